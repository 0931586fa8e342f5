"""Keeps the edge's copy of the routing table, streamed by the router.

Resolution happens locally against this copy, so no request waits on the
router; when the router is down the last table keeps serving, and the
watcher reconnects in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import grpc

from omniroute.errors import NotFound, Unavailable
from omniroute.router.v1 import router_pb2, router_pb2_grpc
from omniroute.routing.resolve import resolve

log = logging.getLogger(__name__)

# Resolutions remembered per table; bounded, since clients choose the names.
_RESOLVED_MAX = 10_000

CHANNEL_OPTIONS = [
    # With a headless Service (dns:///router:20130) every replica is used.
    ("grpc.lb_policy_name", "round_robin"),
    # Notice a router that vanished without closing the connection.
    ("grpc.keepalive_time_ms", 10_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.initial_reconnect_backoff_ms", 100),
    # A restarted router is found again within half a second.
    ("grpc.max_reconnect_backoff_ms", 500),
]


class RoutingTableWatcher:
    def __init__(self, address: str, edge_id: str) -> None:
        self._channel = grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)
        self._stub = router_pb2_grpc.RouterServiceStub(self._channel)
        self._edge_id = edge_id
        self._task: asyncio.Task[None] | None = None
        self.table: router_pb2.RoutingTable | None = None
        # Resolutions against the current table (cleared with every new one).
        self._resolved: dict[str, router_pb2.Route] = {}
        self.known_models: frozenset[str] = frozenset()
        self.updated = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="routing-table-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._channel.close()

    def resolve(self, model: str) -> tuple[router_pb2.RoutingTable, router_pb2.Route]:
        """The route of ``model`` and the table it came from (for planning)."""
        table = self.table
        if table is None:
            raise Unavailable(
                "the gateway has not received its routing table yet; retry shortly",
                retry_after=1,
            )
        route = self._resolved.get(model)
        if route is None:
            route = _resolve(table, model)  # raises for unknown names: not cached
            if len(self._resolved) < _RESOLVED_MAX:
                self._resolved[model] = route
        return table, route

    async def _watch(self) -> None:
        backoff = 0.1
        request = router_pb2.WatchRoutingTableRequest(edge_id=self._edge_id)
        while True:
            try:
                async for response in self._stub.WatchRoutingTable(request):
                    self.install(response.table)
                    backoff = 0.1
            except grpc.aio.AioRpcError as exc:
                log.warning(
                    "routing table stream lost (%s); serving the last table",
                    exc.code().name,
                )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 0.5)

    def install(self, table: router_pb2.RoutingTable) -> None:
        """Serves from ``table`` (each one the router streams; a test's own)."""
        self.table = table
        self._resolved = {}
        self.known_models = frozenset(
            {*table.routes.keys(), *(m.id for m in table.models)}
        )
        self.updated.set()
        log.info(
            "routing table installed",
            extra={"version": table.version, "config_version": table.config_version},
        )


# Ollama's default tag: ``llama3.2:latest`` is ``llama3.2``, and Ollama tools
# append it to a name they were given bare.
_DEFAULT_TAG = ":latest"


def _resolve(table: router_pb2.RoutingTable, model: str) -> router_pb2.Route:
    try:
        return resolve(table, model)
    except NotFound:
        if not model.endswith(_DEFAULT_TAG):
            raise
        return resolve(table, model.removesuffix(_DEFAULT_TAG))
