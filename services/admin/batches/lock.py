"""One runner per batch at a time, across every admin replica.

A Redis lock with a short lease, renewed while its holder works: two
runners never send the same batch's lines, and when a runner dies its lease
lapses within ``LEASE_MS`` and the sweeper hands the batch to another.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

LEASE_MS = 10_000
RENEW_S = LEASE_MS / 1000 / 3

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@contextlib.asynccontextmanager
async def holding(redis: Redis, key: str) -> AsyncIterator[bool]:
    """Yields whether the lock was taken; held (and renewed) until the block
    ends. Should Redis be unreachable for a whole lease, a second runner may
    start the same lines: their idempotency keys keep each answered once."""
    token = uuid.uuid4().hex
    taken = bool(await redis.set(key, token, nx=True, px=LEASE_MS))
    if not taken:
        yield False
        return
    renew = redis.register_script(_RENEW)

    async def keep() -> None:
        while True:
            await asyncio.sleep(RENEW_S)
            with contextlib.suppress(RedisError, OSError):
                await renew(keys=[key], args=[token, LEASE_MS])

    renewing = asyncio.create_task(keep())
    try:
        yield True
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        with contextlib.suppress(RedisError, OSError):
            await redis.register_script(_RELEASE)(keys=[key], args=[token])
