"""Circuit breakers in Redis, shared by every executor.

closed -> open after ``failure_threshold`` failures within ``window`` (a
success resets the count); open -> half-open once ``reset_timeout`` has
passed, when exactly one caller is handed the probe; half-open -> closed
when the probe succeeds, back to open when it fails. Every transition runs
in one Lua script (atomic across executors) and is announced on the
resilience channel, so executors and routers mirror the state locally.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis

from omniroute.resilience.profiles import BreakerProfile
from omniroute.runtime.redis_keys import BREAKER_TTL_SECONDS, RedisKeys


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class Admission:
    allowed: bool
    state: BreakerState
    # Milliseconds until the breaker may admit a call again (when refused).
    retry_in_ms: int = 0
    # This call is the single half-open probe.
    probe: bool = False


# A probe that never reports back (its executor died) is replaced after this.
PROBE_TIMEOUT_MS = 30_000

# KEYS[1] breaker hash; ARGV: now_ms, probe_timeout_ms, channel, ttl_s
_ACQUIRE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'closed' then return {1, 'closed', 0, 0} end
local now = tonumber(ARGV[1])
if state == 'open' then
  local reopen = tonumber(redis.call('HGET', KEYS[1], 'opened_at')) +
                 tonumber(redis.call('HGET', KEYS[1], 'reset_ms'))
  if now < reopen then return {0, 'open', reopen - now, 0} end
  local probe_until = now + tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'state', 'half_open', 'probe_until', probe_until)
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('PUBLISH', ARGV[3], 'breaker|' .. KEYS[1] .. '|half_open|0')
  return {1, 'half_open', 0, 1}
end
local probe_until = tonumber(redis.call('HGET', KEYS[1], 'probe_until') or '0')
if now >= probe_until then
  redis.call('HSET', KEYS[1], 'probe_until', now + tonumber(ARGV[2]))
  return {1, 'half_open', 0, 1}
end
return {0, 'half_open', probe_until - now, 0}
"""

# KEYS[1] breaker hash; ARGV: now_ms, threshold, window_ms, reset_ms, channel, ttl_s
_FAILURE = """
local now = tonumber(ARGV[1])
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local function open()
  redis.call('HSET', KEYS[1], 'state', 'open', 'opened_at', now, 'reset_ms', ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[6])
  local reopen = now + tonumber(ARGV[4])
  redis.call('PUBLISH', ARGV[5], 'breaker|' .. KEYS[1] .. '|open|' .. reopen)
  return 'open'
end
if state == 'half_open' then return open() end
if state == 'open' then return 'open' end
local started = tonumber(redis.call('HGET', KEYS[1], 'window_start') or '0')
local failures
if now - started > tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'window_start', now, 'failures', 1)
  failures = 1
else
  failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
end
redis.call('HSET', KEYS[1], 'state', 'closed')
redis.call('EXPIRE', KEYS[1], ARGV[6])
if failures >= tonumber(ARGV[2]) then return open() end
return 'closed'
"""

# KEYS[1] breaker hash; ARGV: channel
_SUCCESS = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'closed' end
if state == 'half_open' then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[1], 'breaker|' .. KEYS[1] .. '|closed|0')
  return 'closed'
end
if state == 'closed' then redis.call('DEL', KEYS[1]) end
return state
"""


def _now_ms() -> int:
    return int(time.time() * 1000)


class Breakers:
    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._channel = keys.resilience_channel
        self._acquire = redis.register_script(_ACQUIRE)
        self._failure = redis.register_script(_FAILURE)
        self._success = redis.register_script(_SUCCESS)

    async def acquire(self, key: str) -> Admission:
        """May a call go to this breaker's target now?"""
        allowed, state, retry_in, probe = await self._acquire(
            keys=[key],
            args=[_now_ms(), PROBE_TIMEOUT_MS, self._channel, BREAKER_TTL_SECONDS],
        )
        return Admission(
            bool(allowed), BreakerState(_text(state)), int(retry_in), bool(probe)
        )

    async def failure(self, key: str, profile: BreakerProfile) -> BreakerState:
        state = await self._failure(
            keys=[key],
            args=[
                _now_ms(),
                profile.failure_threshold,
                int(profile.window_s * 1000),
                int(profile.reset_timeout_s * 1000),
                self._channel,
                BREAKER_TTL_SECONDS,
            ],
        )
        return BreakerState(_text(state))

    async def success(self, key: str) -> BreakerState:
        return BreakerState(
            _text(await self._success(keys=[key], args=[self._channel]))
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
