"""A local mirror of every breaker, cooldown and invalid mark.

Executors and routers read resilience state from this mirror, so a healthy
request reads nothing from Redis. It follows the resilience channel (every
transition is published by the scripts that make it) and re-reads the keys
every few seconds, so a missed message or a restarted Redis heals quickly.
Writers also update it directly after their own changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.runtime import channel
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import RedisKeys

log = logging.getLogger(__name__)

ChangeListener = Callable[[], None]


def _now_ms() -> float:
    return time.time() * 1000


class HealthMirror:
    def __init__(
        self, redis: Redis, keys: RedisKeys, resync_interval: float = 5.0
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._interval = resync_interval
        self._tasks: list[asyncio.Task[None]] = []
        self._listeners: list[ChangeListener] = []
        # breaker key -> (state, reopen at ms)
        self.breakers: dict[str, tuple[str, float]] = {}
        # cooldown key -> until ms
        self.cooldowns: dict[str, float] = {}
        self.invalid: set[str] = set()

    def add_listener(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.resync()
        self._tasks = [
            asyncio.create_task(self._follow(), name="health-mirror-follow"),
            asyncio.create_task(self._resync_loop(), name="health-mirror-resync"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- reads ---------------------------------------------------------------
    def breaker(self, key: str) -> tuple[str, float]:
        """(state, reopen-at ms) of a breaker; closed when unknown."""
        return self.breakers.get(key, ("closed", 0.0))

    def cooldown_remaining(self, key: str) -> float:
        """Seconds an account still rests; 0 when it may be used."""
        until = self.cooldowns.get(key)
        if until is None:
            return 0.0
        remaining = (until - _now_ms()) / 1000
        if remaining <= 0:
            self.cooldowns.pop(key, None)
            return 0.0
        return remaining

    def open_providers(self) -> dict[str, int]:
        """Providers whose breaker is not closed -> when a probe may go (ms;
        0 while one is in flight)."""
        prefix = self._keys.provider_breaker("")
        return {
            key.removeprefix(prefix): int(until) if state == "open" else 0
            for key, (state, until) in sorted(self.breakers.items())
            if key.startswith(prefix) and state != "closed"
        }

    # -- local updates by writers ---------------------------------------------
    def note(self, kind: str, key: str, value: str) -> None:
        """Applies one change, as published on the channel."""
        if kind == "breaker":
            state, _, until = value.partition("|")
            if state == "closed":
                self.breakers.pop(key, None)
            else:
                self.breakers[key] = (state, float(until or 0))
        elif kind == "cooldown":
            self.cooldowns[key] = _now_ms() + float(value)
        elif kind == "invalid":
            self.invalid.add(key)
        elif kind == "reset":
            self.breakers.clear()
            self.cooldowns.clear()
            self.invalid.clear()
        for listener in self._listeners:
            listener()

    # -- following Redis ---------------------------------------------------------
    async def resync(self) -> None:
        breakers: dict[str, tuple[str, float]] = {}
        async for raw in self._redis.scan_iter(
            match=self._keys.breaker_pattern, count=500
        ):
            key = raw.decode()
            fields = ["state", "opened_at", "reset_ms"]
            state, opened, reset = await self._redis.hmget(key, fields)  # type: ignore[misc]
            if state and state != b"closed":
                until = float(opened or 0) + float(reset or 0)
                breakers[key] = (state.decode(), until)
        cooldowns: dict[str, float] = {}
        async for raw in self._redis.scan_iter(
            match=self._keys.cooldown_pattern, count=500
        ):
            ttl = await self._redis.pttl(raw)
            if ttl > 0:
                cooldowns[raw.decode()] = _now_ms() + ttl
        invalid = {
            raw.decode()
            async for raw in self._redis.scan_iter(
                match=self._keys.invalid_pattern, count=500
            )
        }
        changed = (breakers, invalid) != (self.breakers, self.invalid)
        self.breakers, self.cooldowns, self.invalid = breakers, cooldowns, invalid
        if changed:
            for listener in self._listeners:
                listener()

    async def _resync_loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.resync()
            except (RedisError, OSError) as exc:
                REDIS_ERRORS.labels("resilience_resync").inc()
                log.debug("resilience resync failed: %s", exc)

    async def _follow(self) -> None:
        await channel.follow(
            self._redis,
            self._keys.resilience_channel,
            self._apply,
            label="resilience_channel",
            on_subscribed=self.resync,
        )

    def _apply(self, data: bytes | str) -> None:
        text = data.decode() if isinstance(data, bytes) else data
        kind, _, rest = text.partition("|")
        key, _, value = rest.partition("|")
        self.note(kind, key, value)
