"""Follows the configuration snapshot that admin publishes to Redis.

edge, router and executor keep the snapshot in memory and reload when its
version moves: at once through pub/sub, and through a periodic version check
so a message missed during a reconnect still heals within a second. While
Redis or admin is down, the last snapshot keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.common.v1 import config_pb2
from omniroute.runtime import channel
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import RedisKeys

log = logging.getLogger(__name__)

SnapshotListener = Callable[[config_pb2.ConfigSnapshot], Awaitable[None] | None]


class SnapshotFollower:
    def __init__(
        self,
        redis: Redis,
        keys: RedisKeys,
        on_change: SnapshotListener | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._listeners: list[SnapshotListener] = [on_change] if on_change else []
        self._poll_interval = poll_interval
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self.current: config_pb2.ConfigSnapshot | None = None
        self.loaded = asyncio.Event()

    def add_listener(self, listener: SnapshotListener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        """Loads the snapshot if there is one and starts following changes."""
        with contextlib.suppress(RedisError, OSError):
            await self.refresh()
        self._tasks = [
            asyncio.create_task(self._poll_loop(), name="snapshot-poll"),
            asyncio.create_task(self._subscribe_loop(), name="snapshot-subscribe"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def refresh(self) -> bool:
        """Reloads when the version in Redis differs from ours."""
        version = await self._redis.get(self._keys.config_version)
        if version is None:
            return False
        if self.current is not None and int(version) == self.current.version:
            return False
        raw = await self._redis.get(self._keys.config_snapshot)
        if raw is None:
            return False
        snapshot = config_pb2.ConfigSnapshot.FromString(raw)
        await self._apply(snapshot)
        return True

    async def _apply(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        self.current = snapshot
        for listener in self._listeners:
            result = listener(snapshot)
            if result is not None:
                await result
        self.loaded.set()
        log.info("config snapshot loaded", extra={"config_version": snapshot.version})

    async def _poll_loop(self) -> None:
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            self._wake.clear()
            try:
                await self.refresh()
            except (RedisError, OSError) as exc:
                REDIS_ERRORS.labels("config_refresh").inc()
                log.warning("config refresh failed: %s", exc)

    async def _subscribe_loop(self) -> None:
        await channel.follow(
            self._redis,
            self._keys.config_channel,
            lambda _: self._wake.set(),
            label="config_channel",
            # Catch up on anything published while we were away.
            on_subscribed=self._wake.set,
        )
