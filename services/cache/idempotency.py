"""Idempotency records: one upstream call per key, however many duplicates.

The first request with a key claims it (atomically: SET NX); duplicates in
the window find it in flight and wait, or find the recorded answer. A record
lives for the window after it is claimed and again after it is completed, so
a slow first request still shields its duplicates. A claim is a lease: its
edge renews it while the request runs (``CLAIM_LEASE_MS``), so when that edge
dies the claim lapses within seconds and a waiting duplicate is served
normally; a request whose client left releases its claim at once.
"""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from omniroute.cache.v1 import cache_pb2
from omniroute.runtime.redis_keys import RedisKeys

WINDOW_MS = 5_000
# A claim lapses this long after its last renewal (the edge renews it every
# third of it while the request runs).
CLAIM_LEASE_MS = 15_000

_CLAIM = """
if redis.call('SET', KEYS[1], 'pending', 'NX', 'PX', ARGV[1]) then
  redis.call('HSET', KEYS[2], 'state', 'pending')
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
  return {'new'}
end
local state = redis.call('HGET', KEYS[2], 'state')
if state == 'done' then
  return {'done', redis.call('HGET', KEYS[2], 'answer')}
end
return {'pending'}
"""
# KEYS: lock, record; ARGV: the lease (renew) or nothing (release).
_RENEW = """
if redis.call('HGET', KEYS[2], 'state') ~= 'pending' then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
"""
_RELEASE = """
if redis.call('HGET', KEYS[2], 'state') ~= 'pending' then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
"""


class IdempotencyStore:
    def __init__(
        self, redis: Redis, keys: RedisKeys, window_ms: int = WINDOW_MS
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.window_ms = window_ms
        self._claim = redis.register_script(_CLAIM)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    def _names(self, scope: str, key: str) -> list[str]:
        record = self._keys.idempotency(scope, key)
        return [record + ":lock", record]

    async def claim(self, scope: str, key: str) -> cache_pb2.ClaimResponse:
        result = await self._claim(keys=self._names(scope, key), args=[CLAIM_LEASE_MS])
        state = result[0].decode() if isinstance(result[0], bytes) else result[0]
        if state == "new":
            return cache_pb2.ClaimResponse(state=cache_pb2.CLAIM_STATE_NEW)
        if state == "done":
            answer = cache_pb2.RecordedAnswer.FromString(result[1])
            return cache_pb2.ClaimResponse(
                state=cache_pb2.CLAIM_STATE_DONE, answer=answer
            )
        return cache_pb2.ClaimResponse(state=cache_pb2.CLAIM_STATE_IN_FLIGHT)

    async def renew(self, scope: str, key: str) -> bool:
        """Keeps an unanswered claim for another lease."""
        kept = await self._renew(keys=self._names(scope, key), args=[CLAIM_LEASE_MS])
        return bool(kept)

    async def release(self, scope: str, key: str) -> bool:
        """Gives an unanswered claim up: its duplicates run anew."""
        return bool(await self._release(keys=self._names(scope, key), args=[]))

    async def complete(
        self, scope: str, key: str, answer: cache_pb2.RecordedAnswer
    ) -> None:
        lock, record = self._names(scope, key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                record, mapping={"state": "done", "answer": answer.SerializeToString()}
            )
            pipe.pexpire(record, self.window_ms)
            pipe.pexpire(lock, self.window_ms)
            await pipe.execute()

    async def wait(
        self, scope: str, key: str, timeout_ms: int
    ) -> cache_pb2.RecordedAnswer | None:
        """The recorded answer once the first request completes, else None."""
        _, record = self._names(scope, key)
        deadline = time.monotonic() + timeout_ms / 1000
        delay = 0.005
        while time.monotonic() < deadline:
            state, answer = await self._redis.hmget(record, ["state", "answer"])  # type: ignore[misc]
            if state == b"done" and answer:
                return cache_pb2.RecordedAnswer.FromString(answer)
            if state is None:
                return None  # the claim expired: its request is gone
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
        return None

    async def active(self) -> int:
        count = 0
        async for name in self._redis.scan_iter(
            match=self._keys.idempotency_pattern, count=1000
        ):
            if not name.endswith(b":lock"):
                count += 1
        return count
