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

from redis.asyncio.client import Pipeline

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.runtime.outbox import Outbox
from omniroute.runtime.streams import reply_fields

# Commands sent in the same pipeline as a final reply (the dispatch's XACK).
Then = Callable[[Pipeline], None]


class ReplyWriter:
    def __init__(
        self, outbox: Outbox, stream: str, request_id: str, *, interrupted: int = 0
    ) -> None:
        self._outbox = outbox
        self._stream = stream
        self._request_id = request_id.encode()
        self._pending: list[dispatch_pb2.Reply] = []
        self.items_sent = 0
        self.finished = False
        # Upstream calls begun for this request (each queues a Started).
        self.calls = 0
        # Calls executors that died had begun for it before it was taken over.
        self.interrupted = interrupted

    def started(
        self,
        *,
        provider_id: str,
        account_id: str,
        model: str,
        fallbacks: int,
        passthrough: bool = False,
        reason: str = "",
    ) -> None:
        """Queued: goes out with the first chunks or the final reply."""
        self.calls += 1
        self._pending.append(
            dispatch_pb2.Reply(
                started=dispatch_pb2.Started(
                    provider_id=provider_id,
                    account_id=account_id,
                    model=model,
                    fallbacks=fallbacks,
                    passthrough=passthrough,
                    reason=reason,
                    attempts=self.interrupted + self.calls,
                    interrupted_calls=self.interrupted,
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
        *,
        body: bytes,
        usage: common_pb2.Usage | None,
        elapsed_ms: float,
        finish_reason: str = "",
        ttft_ms: int = 0,
        units: float = 0.0,
        then: Then | None = None,
    ) -> None:
        """The answer: ``body`` whole when not streaming (empty after chunks),
        ``elapsed_ms`` the upstream call's time, ``units`` the images made
        or audio seconds transcribed; ``then`` joins its pipeline."""
        self._pending.append(
            dispatch_pb2.Reply(
                done=dispatch_pb2.Done(
                    body=body,
                    usage=usage,
                    finish_reason=finish_reason,
                    upstream_latency_ms=elapsed_ms,
                    ttft_ms=ttft_ms,
                    units=units,
                )
            )
        )
        await self._finish(then)

    async def failure(
        self, failure: dispatch_pb2.Failure, *, then: Then | None = None
    ) -> None:
        self._pending.append(dispatch_pb2.Reply(failure=failure))
        await self._finish(then)

    async def _finish(self, then: Then | None) -> None:
        self.finished = True
        await self.flush(then)

    async def flush(self, then: Then | None = None) -> None:
        replies, self._pending = self._pending, []
        entry = reply_fields(
            self._request_id,
            dispatch_pb2.ReplyBatch(replies=replies).SerializeToString(),
        )

        def write(pipe: Pipeline) -> None:
            pipe.xadd(self._stream, entry)
            if then is not None:
                then(pipe)

        await self._outbox.send(write)
