"""Batches Redis writes issued in the same event-loop turn into one pipeline.

Under load many requests finish (or start) at the same moment; each writing
its own pipeline costs a system call and a Redis round trip apiece. The
outbox collects every write queued before the loop gets back to it and sends
them together; a caller still awaits its own write and gets its own error.
At concurrency 1 it costs one loop turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

# Adds commands to a pipeline (its return value, the pipeline, is ignored).
Write = Callable[[Pipeline], object]


class Outbox:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._queued: list[tuple[Write, asyncio.Future[list[Any]]]] = []
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def send(self, write: Write) -> list[Any]:
        """Queues ``write`` (commands added to a pipeline); returns its results."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[list[Any]] = loop.create_future()
        self._queued.append((write, done))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush_soon)
        return await done

    def _flush_soon(self) -> None:
        self._scheduled = False
        batch, self._queued = self._queued, []
        task = asyncio.get_running_loop().create_task(self._flush(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush(
        self, batch: list[tuple[Write, asyncio.Future[list[Any]]]]
    ) -> None:
        sizes = []
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for write, _ in batch:
                    before = len(pipe.command_stack)
                    write(pipe)
                    sizes.append(len(pipe.command_stack) - before)
                results = await pipe.execute(raise_on_error=False)
        except BaseException as exc:  # every writer learns what happened
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        start = 0
        for (_, done), size in zip(batch, sizes, strict=True):
            mine = results[start : start + size]
            start += size
            if done.done():
                continue
            error = next((r for r in mine if isinstance(r, Exception)), None)
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(mine)
