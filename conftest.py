"""Fixtures every test directory may use: a throw-away Redis server.

Component tests talk to a real Redis. ``REDIS_URL`` points them at one; else
a ``redis-server`` is started on a free port for the session. Each test gets
its own key prefix, so tests never see each other's keys.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from omniroute.runtime.redis_keys import RedisKeys
from omniroute.stack import RedisServer


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = RedisServer(Path(tmp_path_factory.mktemp("redis")), appendonly=False)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def redis_keys() -> RedisKeys:
    return RedisKeys(prefix=f"test-{uuid.uuid4().hex[:8]}:")


@pytest.fixture
async def redis(redis_url: str, redis_keys: RedisKeys) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        keys = [key async for key in client.scan_iter(match=redis_keys.prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
