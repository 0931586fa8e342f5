"""Redis client construction, in one place so every service behaves alike."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


def create_redis(
    url: str,
    *,
    blocking: bool = False,
    max_connections: int = 512,
    client_name: str | None = None,
) -> Redis:
    """A client for ``url``.

    ``blocking`` clients are for XREAD/XREADGROUP with BLOCK: no socket read
    timeout (the BLOCK argument bounds the wait) and a large pool, because
    every in-flight blocking read holds one connection. Plain clients time out
    reads after 5 s so a dead Redis fails requests fast instead of hanging them.
    ``client_name`` names every connection (``CLIENT LIST`` shows who is
    connected: executors tell a dead peer from a busy one that way).
    """
    client: Redis = Redis.from_url(
        url,
        socket_connect_timeout=2.0,
        socket_timeout=None if blocking else 5.0,
        socket_keepalive=True,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        max_connections=max_connections,
        client_name=client_name,
    )
    return client
