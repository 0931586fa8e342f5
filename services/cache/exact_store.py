"""The exact response cache, in Redis so every cache replica shares it."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from omniroute.runtime.redis_keys import RedisKeys

_GET_AND_COUNT = """
local value = redis.call('GET', KEYS[1])
redis.call('HINCRBY', KEYS[2], value and 'hits' or 'misses', 1)
return value
"""


class ExactStore:
    def __init__(
        self, redis: Redis, keys: RedisKeys, ttl_seconds: int, max_entries: int
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._get_and_count = redis.register_script(_GET_AND_COUNT)

    async def get(self, digest: str) -> bytes | None:
        """The cached response, counting the hit or miss in the same round trip."""
        value = await self._get_and_count(
            keys=[self._keys.cache_exact(digest), self._keys.cache_stats]
        )
        return value if isinstance(value, bytes) else None

    async def put(self, digest: str, response: bytes, ttl_seconds: int = 0) -> None:
        ttl = ttl_seconds or self.ttl_seconds
        now = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self._keys.cache_exact(digest), response, ex=ttl)
            pipe.zadd(self._keys.cache_exact_index, {digest: now})
            # Forget index entries whose value has expired anyway.
            pipe.zremrangebyscore(self._keys.cache_exact_index, 0, now - ttl)
            pipe.zcard(self._keys.cache_exact_index)
            pipe.hincrby(self._keys.cache_stats, "stores", 1)
            *_, size, _ = await pipe.execute()
        if size > self.max_entries:
            await self._evict_oldest(int(size) - self.max_entries)

    async def _evict_oldest(self, count: int) -> None:
        oldest = await self._redis.zpopmin(self._keys.cache_exact_index, count)
        if oldest:
            await self._redis.unlink(
                *(self._keys.cache_exact(d.decode()) for d, _ in oldest)
            )

    async def count_semantic_hit(self) -> None:
        """The exact miss just counted was answered by the semantic cache:
        one hit, not a miss, in the counters every replica shares."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(self._keys.cache_stats, "misses", -1)
            pipe.hincrby(self._keys.cache_stats, "semantic_hits", 1)
            await pipe.execute()

    async def size(self) -> int:
        return int(await self._redis.zcard(self._keys.cache_exact_index))

    async def counters(self) -> dict[str, int]:
        raw: dict[bytes, bytes] = await self._redis.hgetall(  # type: ignore[misc]
            self._keys.cache_stats
        )
        return {k.decode(): int(v) for k, v in raw.items()}

    async def clear(self) -> int:
        digests = await self._redis.zrange(self._keys.cache_exact_index, 0, -1)
        async with self._redis.pipeline(transaction=False) as pipe:
            for digest in digests:
                pipe.unlink(self._keys.cache_exact(digest.decode()))
            pipe.unlink(self._keys.cache_exact_index)
            await pipe.execute()
        return len(digests)
