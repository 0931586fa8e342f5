"""``/api/cache``: response-cache statistics and clearing, from the cache
service (gRPC, with a deadline: a slow cache must not hang the dashboard)."""

from __future__ import annotations

import grpc
from fastapi import APIRouter
from pydantic import Field

from omniroute.cache.v1 import cache_pb2, cache_pb2_grpc
from omniroute.errors import Unavailable
from services.admin.audit import record
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.schemas import CamelModel

router = APIRouter(prefix="/api/cache", tags=["monitoring"])
_DEADLINE_S = 3.0


class SemanticStats(CamelModel):
    memory_size: int = Field(description="Entries in the answering replica's index")
    memory_max_size: int
    db_size: int = Field(description="Semantic entries alive in Redis")
    hits: int
    hit_rate: float = Field(description="Semantic hits / lookups")


class ExactStats(CamelModel):
    entries: int
    max_entries: int
    hits: int
    misses: int
    stores: int
    ttl_seconds: int
    hit_rate: float = Field(description="All hits (exact and semantic) / lookups")


class IdempotencyStats(CamelModel):
    active_keys: int
    window_ms: int


class CacheStats(CamelModel):
    semantic_cache: SemanticStats
    exact_cache: ExactStats
    idempotency: IdempotencyStats


class Cleared(CamelModel):
    cleared: int


def _unavailable(address: str, exc: grpc.aio.AioRpcError) -> Unavailable:
    return Unavailable(
        f"the cache service at {address} did not answer ({exc.code().name})",
        retry_after=2,
    )


class OriginalStats(CamelModel):
    """``GET /api/cache/stats``: the original OmniRoute's flat view of its
    response cache (entries, hits, misses, hit rate). It also counts bytes;
    our cache service does not, so those are not given."""

    size: int
    max_size: int
    hits: int
    misses: int
    evictions: int = Field(0, description="Not counted here: entries expire")
    hit_rate: float


async def _stats(ctx: Ctx) -> cache_pb2.StatsResponse:
    address = ctx.settings.cache_address
    async with grpc.aio.insecure_channel(address) as channel:
        stub = cache_pb2_grpc.CacheServiceStub(channel)
        try:
            stats: cache_pb2.StatsResponse = await stub.Stats(
                cache_pb2.StatsRequest(), timeout=_DEADLINE_S
            )
            return stats
        except grpc.aio.AioRpcError as exc:
            raise _unavailable(address, exc) from None


@router.get("/stats")
async def original_cache_stats(ctx: Ctx, _: Admin) -> OriginalStats:
    """The response cache in the original OmniRoute's shape."""
    stats = await _stats(ctx)
    lookups = stats.hits + stats.misses
    return OriginalStats(
        size=stats.entries,
        max_size=stats.max_entries,
        hits=stats.hits,
        misses=stats.misses,
        hit_rate=round(stats.hits / lookups, 4) if lookups else 0.0,
    )


@router.get("")
async def cache_stats(ctx: Ctx, _: Admin) -> CacheStats:
    """Exact and semantic cache sizes and hit rates, idempotency records."""
    stats = await _stats(ctx)
    lookups = stats.hits + stats.misses  # hits: exact and semantic ones
    exact_hits = stats.hits - stats.semantic_hits
    return CacheStats(
        semantic_cache=SemanticStats(
            memory_size=stats.semantic_memory_entries,
            memory_max_size=stats.semantic_memory_max_entries,
            db_size=stats.semantic_entries,
            hits=stats.semantic_hits,
            hit_rate=round(stats.semantic_hits / lookups, 4) if lookups else 0.0,
        ),
        exact_cache=ExactStats(
            entries=stats.entries,
            max_entries=stats.max_entries,
            hits=exact_hits,
            misses=stats.misses,
            stores=stats.stores,
            ttl_seconds=stats.ttl_seconds,
            hit_rate=round(exact_hits / lookups, 4) if lookups else 0.0,
        ),
        idempotency=IdempotencyStats(
            active_keys=stats.idempotency_active_keys,
            window_ms=stats.idempotency_window_ms,
        ),
    )


@router.delete("")
async def clear_cache(ctx: Ctx, actor: Admin) -> Cleared:
    """Drops every cached answer of every key scope."""
    address = ctx.settings.cache_address
    async with grpc.aio.insecure_channel(address) as channel:
        stub = cache_pb2_grpc.CacheServiceStub(channel)
        try:
            cleared = await stub.Clear(cache_pb2.ClearRequest(), timeout=_DEADLINE_S)
        except grpc.aio.AioRpcError as exc:
            raise _unavailable(address, exc) from None
    await record(ctx, actor, "cache.clear", "cache", {"cleared": cleared.cleared})
    return Cleared(cleared=cleared.cleared)
