"""``/api/cache`` over gRPC: a stand-in cache servicer answers Stats/Clear
(the e2e suite checks it against the real cache service)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from omniroute.cache.v1 import cache_pb2, cache_pb2_grpc
from tests.admin.conftest import AdminHarness, error_of


class FakeCache(cache_pb2_grpc.CacheServiceServicer):  # type: ignore[misc]
    def __init__(self) -> None:
        self.cleared = 0

    async def Stats(self, request: Any, context: Any) -> cache_pb2.StatsResponse:
        return cache_pb2.StatsResponse(
            entries=3,
            max_entries=10_000,
            hits=6,
            misses=4,
            stores=3,
            ttl_seconds=3600,
            semantic_memory_entries=2,
            semantic_memory_max_entries=10_000,
            semantic_entries=2,
            semantic_hits=1,
            idempotency_active_keys=1,
            idempotency_window_ms=5000,
        )

    async def Clear(self, request: Any, context: Any) -> cache_pb2.ClearResponse:
        self.cleared += 1
        return cache_pb2.ClearResponse(cleared=5)


@pytest.fixture
async def cache_address() -> AsyncIterator[str]:
    server = grpc.aio.server()
    cache_pb2_grpc.add_CacheServiceServicer_to_server(FakeCache(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(None)


@pytest.fixture
def admin_extra(cache_address: str) -> dict[str, object]:
    return {"cache_address": cache_address}


async def test_stats_and_clear(admin: AdminHarness) -> None:
    stats = (await admin.client.get("/api/cache")).json()
    assert stats["semanticCache"] == {
        "memorySize": 2,
        "memoryMaxSize": 10_000,
        "dbSize": 2,
        "hits": 1,
        "hitRate": 0.1,
    }
    # 6 hits of 10 lookups, one of them semantic.
    assert stats["exactCache"]["hitRate"] == 0.5
    assert stats["exactCache"]["hits"] == 5
    assert stats["idempotency"] == {"activeKeys": 1, "windowMs": 5000}
    cleared = await admin.client.delete("/api/cache")
    assert cleared.json() == {"cleared": 5}


@pytest.mark.parametrize("admin_extra", [{"cache_address": "127.0.0.1:1"}])
async def test_cache_down_is_503(admin: AdminHarness) -> None:
    response = await admin.client.get("/api/cache")
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert "cache service" in error_of(response)["message"]
