"""Sheds load before it turns into queueing delay.

Executors take only as many dispatches as they have free slots, so work
waiting for an executor shows up as the consumer group's lag. The edge polls
it (and the number of live executors) in the background and refuses new work
with 503 + Retry-After when the backlog is over its bound or no executor is
alive, instead of letting requests wait for minutes. Between polls it counts
its own dispatches, so a burst cannot overshoot by more than one interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from omniroute.errors import Unavailable
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import DISPATCH_GROUP, RedisKeys
from services.edge import metrics

log = logging.getLogger(__name__)


class BacklogMonitor:
    def __init__(self, redis: Redis, keys: RedisKeys, interval: float = 0.1) -> None:
        self._redis = redis
        self._keys = keys
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self.limit = 2000
        self.lag = 0
        self.executors = 1  # optimistic until the first poll
        self._since_poll = 0
        self._polls = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="backlog-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def admit(self) -> None:
        """Raises 503 when the gateway cannot take more work right now."""
        if self.executors == 0:
            metrics.REJECTED.labels("no_executor").inc()
            raise Unavailable(
                "no executor is running, so nothing can reach a provider; "
                "start one (python -m services.executor) and retry",
                retry_after=5,
            )
        if self.lag + self._since_poll >= self.limit:
            metrics.REJECTED.labels("backlog").inc()
            raise Unavailable(
                f"the gateway is overloaded ({self.lag} requests are waiting for an "
                "executor); retry shortly or add executors",
                retry_after=1,
            )
        self._since_poll += 1

    async def _run(self) -> None:
        while True:
            try:
                await self._poll()
            except (RedisError, OSError):
                REDIS_ERRORS.labels("backlog_poll").inc()
            await asyncio.sleep(self._interval)

    async def _poll(self) -> None:
        try:
            groups = await self._redis.xinfo_groups(self._keys.dispatch)
        except ResponseError:
            groups = []  # no stream yet: nothing waits
        lag = pending = 0
        for group in groups:
            if group.get("name") in (DISPATCH_GROUP, DISPATCH_GROUP.encode()):
                lag = int(group.get("lag") or 0)
                pending = int(group.get("pending") or 0)
        self.lag, self._since_poll = lag, 0
        metrics.DISPATCH_BACKLOG.set(lag)
        metrics.DISPATCH_PENDING.set(pending)
        self._polls += 1
        if self._polls % 10 == 1:  # live executors change slowly: once a second
            count = 0
            async for _ in self._redis.scan_iter(
                match=self._keys.executor_heartbeat_pattern, count=100
            ):
                count += 1
            self.executors = count
