"""Publishes usage events to ``events.usage``, batched, never dropped.

Requests never wait for this: events are queued in memory and a background
task writes them in pipelines. When Redis is unreachable the queue holds
them (up to a bound, and that overflow is logged loudly) and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.events.v1 import events_pb2
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import EVENTS_MAXLEN, RedisKeys
from omniroute.runtime.streams import usage_fields

log = logging.getLogger(__name__)

_MAX_QUEUED = 1_000_000
_BATCH = 512


class UsagePublisher:
    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._stream = keys.usage_events
        self._queue: deque[bytes] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="usage-publisher")

    def publish(self, event: events_pb2.UsageEvent) -> None:
        if len(self._queue) >= _MAX_QUEUED:
            log.error("usage queue full: Redis has been unreachable too long")
            return
        self._queue.append(event.SerializeToString())
        self._wake.set()

    async def close(self, grace: float = 5.0) -> None:
        """Flushes what is queued (bounded by ``grace`` seconds), then stops."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, grace)
        if self._queue:
            log.error(
                "usage events not written at shutdown",
                extra={"count": len(self._queue)},
            )

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            if not self._queue:
                if self._closing:
                    return
                await self._wake.wait()
                self._wake.clear()
                continue
            batch = [self._queue[i] for i in range(min(_BATCH, len(self._queue)))]
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for payload in batch:
                        pipe.xadd(
                            self._stream,
                            usage_fields(payload),
                            maxlen=EVENTS_MAXLEN,
                            approximate=True,
                        )
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                REDIS_ERRORS.labels("usage_publish").inc()
                log.warning("usage events wait for Redis: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            backoff = 0.05
            for _ in batch:
                self._queue.popleft()
