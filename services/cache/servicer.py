"""gRPC handlers of the cache service."""

from __future__ import annotations

import grpc
import orjson

from omniroute.cache.v1 import cache_pb2, cache_pb2_grpc
from omniroute.errors import BadRequest
from services.cache.exact_store import ExactStore
from services.cache.keys import exact_key


class CacheServicer(cache_pb2_grpc.CacheServiceServicer):  # type: ignore[misc]
    def __init__(self, exact: ExactStore) -> None:
        self._exact = exact

    async def Lookup(
        self, request: cache_pb2.LookupRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.LookupResponse:
        digest = exact_key(request.scope, request.model, _parse(request.request))
        cached = await self._exact.get(digest)
        if cached is None:
            return cache_pb2.LookupResponse(hit=False)
        return cache_pb2.LookupResponse(
            hit=True, response=cached, match="exact", similarity=1.0
        )

    async def Store(
        self, request: cache_pb2.StoreRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.StoreResponse:
        digest = exact_key(request.scope, request.model, _parse(request.request))
        await self._exact.put(digest, request.response, request.ttl_seconds)
        return cache_pb2.StoreResponse(stored=True)

    async def Stats(
        self, request: cache_pb2.StatsRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.StatsResponse:
        counters = await self._exact.counters()
        return cache_pb2.StatsResponse(
            entries=await self._exact.size(),
            max_entries=self._exact.max_entries,
            hits=counters.get("hits", 0),
            misses=counters.get("misses", 0),
            stores=counters.get("stores", 0),
            ttl_seconds=self._exact.ttl_seconds,
        )

    async def Clear(
        self, request: cache_pb2.ClearRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.ClearResponse:
        return cache_pb2.ClearResponse(cleared=await self._exact.clear())


def _parse(raw: bytes) -> dict[str, object]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request: not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise BadRequest("request: expected a JSON object")
    return value
