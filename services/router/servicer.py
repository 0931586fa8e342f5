"""gRPC handlers of the router: thin translation to the routing domain."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from omniroute.errors import Unavailable
from omniroute.router.v1 import router_pb2, router_pb2_grpc
from omniroute.routing.resolve import resolve
from services.router.broadcaster import TableBroadcaster


class RouterServicer(router_pb2_grpc.RouterServiceServicer):  # type: ignore[misc]
    def __init__(self, broadcaster: TableBroadcaster) -> None:
        self._broadcaster = broadcaster

    async def WatchRoutingTable(
        self,
        request: router_pb2.WatchRoutingTableRequest,
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[router_pb2.WatchRoutingTableResponse]:
        async for table in self._broadcaster.watch():
            yield router_pb2.WatchRoutingTableResponse(table=table)

    async def Resolve(
        self, request: router_pb2.ResolveRequest, context: grpc.aio.ServicerContext
    ) -> router_pb2.ResolveResponse:
        return router_pb2.ResolveResponse(route=resolve(self._table(), request.model))

    async def ListModels(
        self, request: router_pb2.ListModelsRequest, context: grpc.aio.ServicerContext
    ) -> router_pb2.ListModelsResponse:
        return router_pb2.ListModelsResponse(models=self._table().models)

    def _table(self) -> router_pb2.RoutingTable:
        table = self._broadcaster.table
        if table is None:
            raise Unavailable(
                "the router has no configuration yet: is the admin service running?"
            )
        return table
