"""gRPC handlers of the cache service."""

from __future__ import annotations

from typing import Any

import grpc
import orjson

from omniroute.cache.v1 import cache_pb2, cache_pb2_grpc
from omniroute.errors import BadRequest
from services.cache import metrics
from services.cache.exact_store import ExactStore
from services.cache.idempotency import IdempotencyStore
from services.cache.keys import exact_key
from services.cache.semantic import SemanticCache


class CacheServicer(cache_pb2_grpc.CacheServiceServicer):  # type: ignore[misc]
    def __init__(
        self, exact: ExactStore, semantic: SemanticCache, idempotency: IdempotencyStore
    ) -> None:
        self._exact = exact
        self._semantic = semantic
        self._idempotency = idempotency

    async def Lookup(
        self, request: cache_pb2.LookupRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.LookupResponse:
        body = _parse(request.request)
        cached = await self._exact.get(exact_key(request.scope, request.model, body))
        metrics.LOOKUPS.labels("exact", "hit" if cached else "miss").inc()
        if cached is not None:
            return cache_pb2.LookupResponse(
                hit=True, response=cached, match="exact", similarity=1.0
            )
        if request.semantic:
            found = await self._semantic.lookup(
                request.scope, request.model, body, request.threshold
            )
            metrics.LOOKUPS.labels("semantic", "hit" if found else "miss").inc()
            if found is not None:
                await self._exact.count_semantic_hit()
                response, similarity = found
                return cache_pb2.LookupResponse(
                    hit=True, response=response, match="semantic", similarity=similarity
                )
        return cache_pb2.LookupResponse(hit=False)

    async def Store(
        self, request: cache_pb2.StoreRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.StoreResponse:
        body = _parse(request.request)
        digest = exact_key(request.scope, request.model, body)
        await self._exact.put(digest, request.response, request.ttl_seconds)
        metrics.STORES.labels("exact").inc()
        if request.semantic and await self._semantic.store(
            request.scope, request.model, body, request.response, request.ttl_seconds
        ):
            metrics.STORES.labels("semantic").inc()
        return cache_pb2.StoreResponse(stored=True)

    async def Stats(
        self, request: cache_pb2.StatsRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.StatsResponse:
        counters = await self._exact.counters()
        semantic_hits = counters.get("semantic_hits", 0)
        return cache_pb2.StatsResponse(
            entries=await self._exact.size(),
            max_entries=self._exact.max_entries,
            hits=counters.get("hits", 0) + semantic_hits,
            misses=counters.get("misses", 0),
            stores=counters.get("stores", 0),
            ttl_seconds=self._exact.ttl_seconds,
            semantic_memory_entries=len(self._semantic.index),
            semantic_memory_max_entries=self._semantic.index.max_entries,
            semantic_entries=await self._semantic.size(),
            semantic_hits=semantic_hits,
            idempotency_active_keys=await self._idempotency.active(),
            idempotency_window_ms=self._idempotency.window_ms,
        )

    async def Clear(
        self, request: cache_pb2.ClearRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.ClearResponse:
        cleared = await self._exact.clear() + await self._semantic.clear()
        return cache_pb2.ClearResponse(cleared=cleared)

    async def Claim(
        self, request: cache_pb2.ClaimRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.ClaimResponse:
        claim = await self._idempotency.claim(request.scope, request.key)
        if claim.state == cache_pb2.CLAIM_STATE_DONE:
            metrics.IDEMPOTENT_REPLAYS.inc()
        return claim

    async def Complete(
        self, request: cache_pb2.CompleteRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.CompleteResponse:
        await self._idempotency.complete(request.scope, request.key, request.answer)
        return cache_pb2.CompleteResponse()

    async def Renew(
        self, request: cache_pb2.ClaimHeld, context: grpc.aio.ServicerContext
    ) -> cache_pb2.ClaimKept:
        held = await self._idempotency.renew(request.scope, request.key)
        return cache_pb2.ClaimKept(held=held)

    async def Release(
        self, request: cache_pb2.ClaimHeld, context: grpc.aio.ServicerContext
    ) -> cache_pb2.ClaimKept:
        held = await self._idempotency.release(request.scope, request.key)
        return cache_pb2.ClaimKept(held=held)

    async def Await(
        self, request: cache_pb2.AwaitRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.AwaitResponse:
        answer = await self._idempotency.wait(
            request.scope, request.key, request.timeout_ms
        )
        if answer is None:
            return cache_pb2.AwaitResponse(done=False)
        metrics.IDEMPOTENT_REPLAYS.inc()
        return cache_pb2.AwaitResponse(done=True, answer=answer)


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request: not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise BadRequest("request: expected a JSON object")
    return value
