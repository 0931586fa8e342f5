"""Account cooldowns and invalid-credential marks, in Redis.

A rate-limited account rests for the provider's ``Retry-After`` (or
``x-ratelimit-reset``), else for an exponential backoff that grows with each
rate limit in a row and starts over once the account has been quiet. A
refused credential is marked invalid until the credential changes.
"""

from __future__ import annotations

import hashlib
import time

from redis.asyncio import Redis

from omniroute.resilience.profiles import Resilience
from omniroute.runtime.redis_keys import COOLDOWN_LEVEL_TTL_SECONDS, RedisKeys

INVALID_TTL_SECONDS = 86_400

# KEYS: cooldown, level; ARGV: retry_after_ms (0 = backoff), base_ms, max_ms,
# level_ttl_s, channel, reason
_RATE_LIMITED = """
local level = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
local ms = tonumber(ARGV[1])
if ms <= 0 then
  ms = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * (2 ^ (level - 1)))
end
ms = math.max(1, math.floor(ms))
redis.call('SET', KEYS[1], ARGV[6], 'PX', ms)
redis.call('PUBLISH', ARGV[5], 'cooldown|' .. KEYS[1] .. '|' .. ms)
return ms
"""


def fingerprint(credential: str) -> str:
    return hashlib.sha256(credential.encode()).hexdigest()[:16]


class Cooldowns:
    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._keys = keys
        self._rate_limited = redis.register_script(_RATE_LIMITED)

    async def rate_limited(
        self,
        provider_id: str,
        account_id: str,
        retry_after_s: float | None,
        resilience: Resilience,
        reason: str = "rate_limit",
    ) -> float:
        """Cools the account down; returns the cooldown in seconds."""
        ms = await self._rate_limited(
            keys=[
                self._keys.cooldown(provider_id, account_id),
                self._keys.cooldown_level(provider_id, account_id),
            ],
            args=[
                int((retry_after_s or 0) * 1000),
                int(resilience.cooldown_base_s * 1000),
                int(resilience.cooldown_max_s * 1000),
                COOLDOWN_LEVEL_TTL_SECONDS,
                self._keys.resilience_channel,
                reason,
            ],
        )
        return int(ms) / 1000

    async def cool(
        self, provider_id: str, account_id: str, seconds: float, reason: str
    ) -> None:
        """A fixed cooldown (quota exhausted, credits)."""
        key = self._keys.cooldown(provider_id, account_id)
        ms = max(1, int(seconds * 1000))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, reason, px=ms)
            pipe.publish(self._keys.resilience_channel, f"cooldown|{key}|{ms}")
            await pipe.execute()

    async def mark_invalid(
        self, provider_id: str, account_id: str, credential: str
    ) -> None:
        key = self._keys.invalid_account(
            provider_id, account_id, fingerprint(credential)
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, str(int(time.time())), ex=INVALID_TTL_SECONDS)
            pipe.publish(self._keys.resilience_channel, f"invalid|{key}|0")
            await pipe.execute()
