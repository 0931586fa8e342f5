"""Following a Redis pub/sub channel for as long as a service runs.

A subscription is lost with its connection (a Redis restart, a failover);
followers resubscribe with a capped backoff and are told each time they are
subscribed again, so they can catch up on what was published meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.runtime.metrics import REDIS_ERRORS

log = logging.getLogger(__name__)


async def follow(
    redis: Redis,
    channel: str,
    on_message: Callable[[bytes], None],
    *,
    label: str,
    on_subscribed: Callable[[], Awaitable[None] | None] | None = None,
) -> None:
    """Calls ``on_message`` with each message's data, forever; ``label``
    names the channel in the Redis error metric and the log."""
    backoff = 0.1
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(channel)
                backoff = 0.1
                if on_subscribed is not None:
                    caught_up = on_subscribed()
                    if caught_up is not None:
                        await caught_up
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        data = message["data"]
                        on_message(data if isinstance(data, bytes) else data.encode())
        except (RedisError, OSError) as exc:
            REDIS_ERRORS.labels(label).inc()
            log.warning("%s subscription lost: %s", label, exc)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
