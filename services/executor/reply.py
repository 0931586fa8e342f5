"""Writes one request's replies to its ``reply:{id}`` stream.

Replies are buffered and sent as one pipeline per flush, so the usual
sequence costs few round trips: ``Started`` goes out with the first chunks
(or with ``Done``), and ``Done`` together with the TTL and the dispatch
``XACK``. A non-streaming request costs the executor one write in all.
"""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.runtime.redis_keys import REPLY_TTL_SECONDS

REPLY_FIELD = b"r"


class ReplyWriter:
    def __init__(self, redis: Redis, stream: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._stream = stream
        # Until the request finishes the stream must outlive its deadline.
        self._initial_ttl = ttl_seconds
        self._pending: list[dispatch_pb2.Reply] = []
        self._expiry_set = False
        self.items_sent = 0
        self.finished = False

    def started(
        self,
        provider_id: str,
        account_id: str,
        model: str,
        fallbacks: int,
        passthrough: bool = False,
    ) -> None:
        """Queued: goes out with the first chunks or the final reply."""
        self._pending.append(
            dispatch_pb2.Reply(
                started=dispatch_pb2.Started(
                    provider_id=provider_id,
                    account_id=account_id,
                    model=model,
                    fallbacks=fallbacks,
                    passthrough=passthrough,
                )
            )
        )

    async def chunks(self, items: list[bytes]) -> None:
        self._pending.append(
            dispatch_pb2.Reply(chunks=dispatch_pb2.Chunks(items=items))
        )
        self.items_sent += len(items)
        await self.flush()

    async def done(
        self,
        body: bytes,
        usage: common_pb2.Usage | None,
        finish_reason: str,
        upstream_latency_ms: int,
        ttft_ms: int,
        then: Callable[[Pipeline], None] | None = None,
        units: float = 0.0,
    ) -> None:
        self._pending.append(
            dispatch_pb2.Reply(
                done=dispatch_pb2.Done(
                    body=body,
                    usage=usage,
                    finish_reason=finish_reason,
                    upstream_latency_ms=upstream_latency_ms,
                    ttft_ms=ttft_ms,
                    units=units,
                )
            )
        )
        await self._finish(then)

    async def failure(
        self,
        failure: dispatch_pb2.Failure,
        then: Callable[[Pipeline], None] | None = None,
    ) -> None:
        self._pending.append(dispatch_pb2.Reply(failure=failure))
        await self._finish(then)

    async def _finish(self, then: Callable[[Pipeline], None] | None) -> None:
        self.finished = True
        await self.flush(ttl=REPLY_TTL_SECONDS, then=then)

    async def flush(
        self, ttl: int | None = None, then: Callable[[Pipeline], None] | None = None
    ) -> None:
        replies, self._pending = self._pending, []
        async with self._redis.pipeline(transaction=False) as pipe:
            for reply in replies:
                pipe.xadd(self._stream, {REPLY_FIELD: reply.SerializeToString()})
            if ttl is not None:
                pipe.expire(self._stream, ttl)
            elif not self._expiry_set:
                pipe.expire(self._stream, self._initial_ttl)
                self._expiry_set = True
            if then is not None:
                then(pipe)
            await pipe.execute()
