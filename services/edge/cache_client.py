"""Asks the cache service, within a deadline; an unreachable cache is a miss.

Nothing here may fail a request: a cache or idempotency outage degrades to
serving the request normally.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import grpc

from omniroute.cache.v1 import cache_pb2, cache_pb2_grpc
from omniroute.runtime import telemetry
from services.edge.cache_policy import CachePolicy

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

    async def lookup(
        self, scope: str, model: str, request: bytes, policy: CachePolicy
    ) -> cache_pb2.LookupResponse | None:
        """The cached answer, or None (a miss, or a cache that did not answer)."""
        try:
            response: cache_pb2.LookupResponse = await self._stub.Lookup(
                cache_pb2.LookupRequest(
                    scope=scope,
                    model=model,
                    request=request,
                    semantic=policy.semantic,
                    threshold=policy.threshold,
                ),
                # Embedding the prompt takes a few ms more than an exact get.
                timeout=self._timeout * (4 if policy.semantic else 1),
                metadata=telemetry.grpc_metadata(),
            )
        except grpc.aio.AioRpcError as exc:
            log.debug("cache lookup failed: %s", exc.code().name)
            return None
        return response if response.hit else None

    def store_later(
        self,
        scope: str,
        model: str,
        request: bytes,
        response: bytes,
        policy: CachePolicy,
    ) -> None:
        """Stores in the background: the client never waits for the cache."""
        message = cache_pb2.StoreRequest(
            scope=scope,
            model=model,
            request=request,
            response=response,
            ttl_seconds=policy.ttl_seconds,
            semantic=policy.semantic,
        )
        self._background(
            self._stub.Store(message, timeout=5.0, metadata=telemetry.grpc_metadata())
        )

    async def claim(self, scope: str, key: str) -> cache_pb2.ClaimResponse | None:
        try:
            claim: cache_pb2.ClaimResponse = await self._stub.Claim(
                cache_pb2.ClaimRequest(scope=scope, key=key),
                timeout=self._timeout,
                metadata=telemetry.grpc_metadata(),
            )
        except grpc.aio.AioRpcError as exc:
            log.debug("idempotency claim failed: %s", exc.code().name)
            return None
        return claim

    async def wait_for(
        self, scope: str, key: str, timeout_s: float
    ) -> cache_pb2.RecordedAnswer | None:
        try:
            response: cache_pb2.AwaitResponse = await self._stub.Await(
                cache_pb2.AwaitRequest(
                    scope=scope, key=key, timeout_ms=int(timeout_s * 1000)
                ),
                timeout=timeout_s + 1.0,
            )
        except grpc.aio.AioRpcError as exc:
            log.debug("idempotency wait failed: %s", exc.code().name)
            return None
        return response.answer if response.done else None

    def renew_later(self, scope: str, key: str) -> None:
        message = cache_pb2.ClaimHeld(scope=scope, key=key)
        self._background(self._stub.Renew(message, timeout=5.0))

    def release_later(self, scope: str, key: str) -> None:
        message = cache_pb2.ClaimHeld(scope=scope, key=key)
        self._background(self._stub.Release(message, timeout=5.0))

    def complete_later(
        self, scope: str, key: str, answer: cache_pb2.RecordedAnswer
    ) -> None:
        message = cache_pb2.CompleteRequest(scope=scope, key=key, answer=answer)
        self._background(
            self._stub.Complete(
                message, timeout=5.0, metadata=telemetry.grpc_metadata()
            )
        )

    def _background(self, call: Any) -> None:
        async def run() -> None:
            try:
                await call
            except grpc.aio.AioRpcError as exc:
                log.debug("cache write failed: %s", exc.code().name)

        task = asyncio.create_task(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def stats(self) -> cache_pb2.StatsResponse:
        response: cache_pb2.StatsResponse = await self._stub.Stats(
            cache_pb2.StatsRequest(), timeout=2.0
        )
        return response
