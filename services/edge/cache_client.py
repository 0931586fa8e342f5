"""Asks the cache service, within a deadline; an unreachable cache is a miss."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import grpc

from omniroute.cache.v1 import cache_pb2, cache_pb2_grpc

log = logging.getLogger(__name__)


class CacheClient:
    def __init__(self, address: str, lookup_timeout_s: float) -> None:
        self._channel = grpc.aio.insecure_channel(
            address,
            options=[
                ("grpc.max_reconnect_backoff_ms", 2_000),
                # Spread lookups over every replica behind a headless Service.
                ("grpc.lb_policy_name", "round_robin"),
            ],
        )
        self._stub = cache_pb2_grpc.CacheServiceStub(self._channel)
        self._timeout = lookup_timeout_s
        self._pending: set[asyncio.Task[Any]] = set()

    async def close(self) -> None:
        if self._pending:
            await asyncio.wait(self._pending, timeout=2.0)
        await self._channel.close()

    async def lookup(self, scope: str, model: str, request: bytes) -> bytes | None:
        try:
            response = await self._stub.Lookup(
                cache_pb2.LookupRequest(scope=scope, model=model, request=request),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as exc:
            log.debug("cache lookup failed: %s", exc.code().name)
            return None
        return response.response if response.hit else None

    def store_later(
        self, scope: str, model: str, request: bytes, response: bytes
    ) -> None:
        """Stores in the background: the client never waits for the cache."""
        task = asyncio.create_task(self._store(scope, model, request, response))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _store(
        self, scope: str, model: str, request: bytes, response: bytes
    ) -> None:
        try:
            await self._stub.Store(
                cache_pb2.StoreRequest(
                    scope=scope, model=model, request=request, response=response
                ),
                timeout=2.0,
            )
        except grpc.aio.AioRpcError as exc:
            log.debug("cache store failed: %s", exc.code().name)

    async def stats(self) -> cache_pb2.StatsResponse:
        response: cache_pb2.StatsResponse = await self._stub.Stats(
            cache_pb2.StatsRequest(), timeout=2.0
        )
        return response
