"""Hands requests to the executors and routes their replies back.

Each edge reads ONE reply stream of its own (``replies:{edge_id}``): a single
reader task blocks on it and hands every entry to the request it belongs to,
so a thousand requests in flight cost one blocking read, not a thousand
connections each blocked on a stream of their own. Dispatches issued in the
same event-loop turn go out in one pipeline (``Outbox``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import GatewayTimeout, Unavailable
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.outbox import Outbox
from omniroute.runtime.redis_keys import DISPATCH_MAXLEN, REPLIES_TTL_SECONDS, RedisKeys
from omniroute.runtime.streams import (
    Fields,
    dispatch_fields,
    keepalive_fields,
    read_after,
    reply_batch_of,
    reply_request_id,
)

log = logging.getLogger(__name__)

# The reader blocks this long at most, so it notices a stop promptly.
_BLOCK_MS = 1_000
# Replies older than this are trimmed from the stream (no request waits so long
# for an entry it has not read yet: the reader forwards them at once).
_KEEP_MS = 120_000


class ReplyStream:
    """The replies of one request, in order, until Done or Failure."""

    def __init__(
        self,
        deadline: float,
        close: Callable[[], None],
        abandon: Callable[[], None] = lambda: None,
    ) -> None:
        self._deadline = deadline
        self.close = close  # stop routing replies here (the request is over)
        # The client is gone: stop routing and stop the upstream call too.
        self.abandon = abandon
        self._buffer: deque[dispatch_pb2.Reply] = deque()
        self._ready = asyncio.Event()
        self._error: Exception | None = None

    def deliver(self, batch: dispatch_pb2.ReplyBatch) -> None:
        self._buffer.extend(batch.replies)
        self._ready.set()

    def fail(self, error: Exception) -> None:
        self._error = error
        self._ready.set()

    def __aiter__(self) -> ReplyStream:
        return self

    async def __anext__(self) -> dispatch_pb2.Reply:
        while not self._buffer:
            if self._error is not None:
                raise self._error
            remaining = self._deadline - time.time()
            if remaining <= 0:
                self.close()
                raise GatewayTimeout(
                    "no answer from the provider before the request deadline "
                    "(REQUEST_TIMEOUT_S)"
                )
            self._ready.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._ready.wait()
        return self._buffer.popleft()


class Dispatcher:
    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._keys = keys
        self._outbox = Outbox(redis)
        edge_id = f"{os.uname().nodename}-{os.getpid()}-{os.urandom(3).hex()}"
        self.reply_to = keys.replies(edge_id)
        self._waiting: dict[str, ReplyStream] = {}
        self._task: asyncio.Task[None] | None = None
        self._last_id = b"$"
        self._cancelling: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._read(), name="reply-reader")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(RedisError, OSError):
            await self._redis.unlink(self.reply_to)

    async def submit(
        self, dispatch: dispatch_pb2.Dispatch, *, background: bool = False
    ) -> ReplyStream:
        """Sends ``dispatch`` (to the background stream for batch lines); its
        replies arrive through the returned stream."""
        stream = self._keys.dispatch_background if background else self._keys.dispatch
        dispatch.reply_to = self.reply_to
        request_id = dispatch.request_id
        replies = ReplyStream(
            dispatch.deadline_unix_ms / 1000,
            lambda: self._forget(request_id),
            lambda: self.cancel(request_id),
        )
        self._waiting[dispatch.request_id] = replies
        entry = dispatch_fields(dispatch.SerializeToString())
        try:
            await self._outbox.send(
                lambda pipe: pipe.xadd(
                    stream,
                    entry,
                    maxlen=DISPATCH_MAXLEN,
                    approximate=True,
                )
            )
        except (RedisError, OSError) as exc:
            self._waiting.pop(dispatch.request_id, None)
            REDIS_ERRORS.labels("dispatch").inc()
            raise Unavailable(
                f"the gateway cannot reach Redis ({exc.__class__.__name__}); "
                "retry shortly",
                retry_after=1,
            ) from None
        return replies

    def cancel(self, request_id: str) -> None:
        """Tells the executors that ``request_id``'s client is gone, so the
        one running it stops its upstream call (and stops spending)."""
        self._forget(request_id)
        task = asyncio.create_task(self._announce_cancel(request_id))
        self._cancelling.add(task)
        task.add_done_callback(self._cancelling.discard)

    async def _announce_cancel(self, request_id: str) -> None:
        try:
            await self._redis.publish(self._keys.dispatch_cancel, request_id)
        except (RedisError, OSError):
            # The call then runs to its end; its usage is still recorded.
            REDIS_ERRORS.labels("dispatch_cancel").inc()

    def _forget(self, request_id: str) -> None:
        self._waiting.pop(request_id, None)

    async def _read(self) -> None:
        backoff = 0.05
        housekeeping = 0.0
        while True:
            try:
                # Until the first heartbeat names a position, reading from "$"
                # would miss replies written between two blocking reads.
                if self._last_id == b"$" or time.monotonic() - housekeeping > 10:
                    housekeeping = time.monotonic()
                    await self._tidy()
                entries = await read_after(
                    self._redis, self.reply_to, self._last_id, 1000, _BLOCK_MS
                )
                backoff = 0.05
            except (RedisError, OSError) as exc:
                REDIS_ERRORS.labels("reply_read").inc()
                log.warning("reply stream unavailable: %s", exc)
                self._fail_all(exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            for entry_id, fields in entries:
                self._last_id = entry_id
                self._route(fields)

    def _route(self, fields: Fields) -> None:
        request_id = reply_request_id(fields).decode()
        replies = self._waiting.get(request_id)
        if replies is None:
            return  # its client is gone, or a keep-alive entry
        batch = dispatch_pb2.ReplyBatch.FromString(reply_batch_of(fields))
        replies.deliver(batch)
        if any(r.WhichOneof("kind") in ("done", "failure") for r in batch.replies):
            self._waiting.pop(request_id, None)

    def _fail_all(self, exc: Exception) -> None:
        error = Unavailable(
            f"lost the connection to Redis while waiting for the answer: {exc}",
            retry_after=1,
        )
        for replies in self._waiting.values():
            replies.fail(error)
        self._waiting.clear()

    async def _tidy(self) -> None:
        """Keeps the stream alive while this edge is, and short."""
        minimum = f"{int(time.time() * 1000) - _KEEP_MS}-0"
        async with self._redis.pipeline(transaction=False) as pipe:
            # An entry makes sure the stream exists for EXPIRE to apply to.
            pipe.xadd(
                self.reply_to, keepalive_fields(), maxlen=100_000, approximate=True
            )
            pipe.xtrim(self.reply_to, minid=minimum, approximate=True)
            pipe.expire(self.reply_to, REPLIES_TTL_SECONDS)
            heartbeat_id, *_ = await pipe.execute()
        if self._last_id == b"$":
            self._last_id = heartbeat_id
