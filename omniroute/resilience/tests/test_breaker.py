"""Breakers and cooldowns against a real Redis: the shared state machine."""

import asyncio

import pytest
from redis.asyncio import Redis

from omniroute.resilience.breaker import Breakers, BreakerState
from omniroute.resilience.cooldown import Cooldowns
from omniroute.resilience.mirror import HealthMirror
from omniroute.resilience.profiles import BreakerProfile, Resilience
from omniroute.runtime.redis_keys import RedisKeys
from tests.helpers import poll_until_async

FAST = BreakerProfile(failure_threshold=3, window_s=10, reset_timeout_s=0.3)


async def test_opens_after_threshold_and_admits_one_probe(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    breakers = Breakers(redis, redis_keys)
    key = redis_keys.provider_breaker("x")
    assert (await breakers.acquire(key)).allowed
    for _ in range(2):
        assert await breakers.failure(key, FAST) is BreakerState.CLOSED
    assert await breakers.failure(key, FAST) is BreakerState.OPEN
    refused = await breakers.acquire(key)
    assert not refused.allowed and refused.state is BreakerState.OPEN
    assert 0 < refused.retry_in_ms <= 300
    await asyncio.sleep(0.35)
    # Many executors ask at once: exactly one gets the probe.
    admissions = await asyncio.gather(*(breakers.acquire(key) for _ in range(10)))
    assert sum(a.allowed for a in admissions) == 1
    assert [a.probe for a in admissions if a.allowed] == [True]
    assert await breakers.success(key) is BreakerState.CLOSED
    assert (await breakers.acquire(key)).state is BreakerState.CLOSED


async def test_a_failed_probe_reopens(redis: Redis, redis_keys: RedisKeys) -> None:
    breakers = Breakers(redis, redis_keys)
    key = redis_keys.provider_breaker("y")
    for _ in range(3):
        await breakers.failure(key, FAST)
    await asyncio.sleep(0.35)
    assert (await breakers.acquire(key)).probe
    assert await breakers.failure(key, FAST) is BreakerState.OPEN
    assert not (await breakers.acquire(key)).allowed


async def test_a_success_resets_the_failure_count(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    breakers = Breakers(redis, redis_keys)
    key = redis_keys.provider_breaker("z")
    for _ in range(2):
        await breakers.failure(key, FAST)
    await breakers.success(key)
    for _ in range(2):
        assert await breakers.failure(key, FAST) is BreakerState.CLOSED


async def test_cooldowns_honour_retry_after_then_back_off(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    cooldowns = Cooldowns(redis, redis_keys)
    resilience = Resilience(cooldown_base_s=1, cooldown_max_s=3)
    assert await cooldowns.rate_limited("p", "a", 2.0, resilience) == 2.0
    ttl = await redis.pttl(redis_keys.cooldown("p", "a"))
    assert 1500 < ttl <= 2000
    # Without a hint: base * 2^(level-1), capped; level counts the 429s in a row.
    assert await cooldowns.rate_limited("p", "a", None, resilience) == 2.0
    assert await cooldowns.rate_limited("p", "a", None, resilience) == 3.0


async def test_the_mirror_follows_every_change(
    redis_url: str, redis_keys: RedisKeys
) -> None:
    writer = Redis.from_url(redis_url)
    reader = Redis.from_url(redis_url)
    mirror = HealthMirror(reader, redis_keys)
    await mirror.start()
    try:
        breakers = Breakers(writer, redis_keys)
        for _ in range(3):
            await breakers.failure(redis_keys.provider_breaker("q"), FAST)
        await poll_until_async(lambda: list(mirror.open_providers()) == ["q"])
        await Cooldowns(writer, redis_keys).rate_limited("q", "acct", 5, Resilience())
        key = redis_keys.cooldown("q", "acct")
        await poll_until_async(lambda: mirror.cooldown_remaining(key) > 4)
        await asyncio.sleep(0.35)
        await breakers.acquire(redis_keys.provider_breaker("q"))
        await breakers.success(redis_keys.provider_breaker("q"))
        await poll_until_async(lambda: mirror.open_providers() == {})
    finally:
        await mirror.stop()
        keys = [k async for k in writer.scan_iter(match=redis_keys.prefix + "*")]
        if keys:
            await writer.delete(*keys)
        await writer.aclose()
        await reader.aclose()


@pytest.mark.parametrize(
    "level,expected", [(1, 5.0), (2, 10.0), (3, 20.0), (10, 300.0)]
)
def test_backoff_schedule(level: int, expected: float) -> None:
    assert Resilience().rate_limit_cooldown(level) == expected
