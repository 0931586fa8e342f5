"""Writes one request's replies to the edge's reply stream.

Replies are buffered and sent as one stream entry per flush (a
``ReplyBatch``) on the edge's reply stream, tagged with the request id:
``Started`` goes out with the first chunks (or with ``Done``), and ``Done``
together with the dispatch ``XACK``. Writes of concurrent requests share
pipelines through the executor's ``Outbox``, so a non-streaming request
costs one entry, and under load a fraction of a round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.asyncio.client import Pipeline

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.runtime.outbox import Outbox

REQUEST_FIELD = b"i"
REPLY_FIELD = b"b"  # a ReplyBatch


class ReplyWriter:
    def __init__(self, outbox: Outbox, stream: str, request_id: str) -> None:
        self._outbox = outbox
        self._stream = stream
        self._request_id = request_id.encode()
        self._pending: list[dispatch_pb2.Reply] = []
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
        upstream_latency_ms: float,
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
        await self.flush(then)

    async def flush(self, then: Callable[[Pipeline], None] | None = None) -> None:
        replies, self._pending = self._pending, []
        entry: dict[Any, Any] = {
            REQUEST_FIELD: self._request_id,
            REPLY_FIELD: dispatch_pb2.ReplyBatch(replies=replies).SerializeToString(),
        }

        def write(pipe: Pipeline) -> None:
            pipe.xadd(self._stream, entry)
            if then is not None:
                then(pipe)

        await self._outbox.send(write)
