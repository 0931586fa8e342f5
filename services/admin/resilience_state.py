"""Live resilience state in Redis: breakers, cooldowns, invalid marks, sessions.

Key names come from ``RedisKeys``; this module only reads them (SCAN, never
KEYS, so a large deployment is not blocked) and deletes them on a reset.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from omniroute.runtime.redis_keys import RedisKeys

_SCAN_COUNT = 500
# A management view, not an export: enough to see what is going on.
MAX_ITEMS = 5000


def glob_escape(value: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in value)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value


async def _scan(redis: Redis, pattern: str) -> list[str]:
    found: list[str] = []
    async for raw in redis.scan_iter(match=pattern, count=_SCAN_COUNT):
        found.append(_text(raw))
        if len(found) >= MAX_ITEMS:
            break
    return sorted(found)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a reset (or a view) covers: everything, a provider, an account."""

    provider: str | None = None
    account: str | None = None

    def patterns(self, keys: RedisKeys) -> list[str]:
        if self.provider is None:
            return [
                keys.breaker_pattern,
                keys.cooldown_pattern,
                keys.cooldown_level("*", "*"),
                keys.invalid_pattern,
            ]
        p = glob_escape(self.provider)
        if self.account is None:
            return [
                glob_escape(keys.provider_breaker(self.provider)),
                keys.account_breaker(p, "*"),
                keys.cooldown(p, "*"),
                keys.cooldown_level(p, "*"),
                keys.invalid_account(p, "*", "*"),
            ]
        a = glob_escape(self.account)
        return [
            keys.account_breaker(p, a),
            keys.cooldown(p, a),
            keys.cooldown_level(p, a),
            keys.invalid_account(p, a, "*"),
        ]


async def breakers(redis: Redis, keys: RedisKeys) -> list[dict[str, Any]]:
    now_ms = time.time() * 1000
    found = []
    for key in await _scan(redis, keys.breaker_pattern):
        named = keys.breaker_of(key)
        if named is None:
            continue
        fields = {
            _text(k): _text(v)
            for k, v in (await redis.hgetall(key)).items()  # type: ignore[misc]
        }
        state = fields.get("state", "closed")
        reopen_ms = float(fields.get("opened_at") or 0) + float(
            fields.get("reset_ms") or 0
        )
        found.append(
            {
                "provider": named.provider,
                "account": named.account,
                "state": state,
                "failures": int(fields.get("failures") or 0),
                "reopensAt": reopen_ms / 1000 if state == "open" else None,
                "reopensInSeconds": round(max(0.0, reopen_ms - now_ms) / 1000, 3)
                if state == "open"
                else None,
            }
        )
    return found


async def cooldowns(redis: Redis, keys: RedisKeys) -> list[dict[str, Any]]:
    found = []
    for key in await _scan(redis, keys.cooldown_pattern):
        named = keys.cooldown_of(key)
        if named is None:
            continue
        async with redis.pipeline(transaction=False) as pipe:
            pipe.pttl(key)
            pipe.get(key)
            ttl, reason = await pipe.execute()
        if ttl is None or int(ttl) <= 0:
            continue
        level = await redis.get(keys.cooldown_level(named.provider, named.account))
        found.append(
            {
                "provider": named.provider,
                "account": named.account,
                "remainingSeconds": round(int(ttl) / 1000, 3),
                "reason": _text(reason),
                "level": int(level or 0),
            }
        )
    return found


async def invalid(redis: Redis, keys: RedisKeys) -> list[dict[str, Any]]:
    found = []
    for key in await _scan(redis, keys.invalid_pattern):
        named = keys.invalid_of(key)
        if named is None:
            continue
        since = await redis.get(key)
        found.append(
            {
                "provider": named.provider,
                "account": named.account,
                "credentialFingerprint": named.fingerprint,
                "since": int(since or 0),
            }
        )
    return found


async def reset(redis: Redis, keys: RedisKeys, scope: Scope) -> dict[str, int]:
    """Deletes the scope's breakers, cooldowns and invalid marks, and tells
    every mirror (executors, routers) on the resilience channel."""
    matched: dict[str, list[str]] = {"breakers": [], "cooldowns": [], "invalid": []}
    level_keys: list[str] = []
    for pattern in scope.patterns(keys):
        for key in await _scan(redis, pattern):
            if keys.breaker_of(key) is not None:
                matched["breakers"].append(key)
            elif keys.cooldown_of(key) is not None:
                matched["cooldowns"].append(key)
            elif keys.invalid_of(key) is not None:
                matched["invalid"].append(key)
            else:
                level_keys.append(key)
    every = [k for group in matched.values() for k in group] + level_keys
    channel = keys.resilience_channel
    async with redis.pipeline(transaction=True) as pipe:
        if every:
            pipe.delete(*every)
        if scope.provider is None or matched["invalid"]:
            # Mirrors drop everything and re-read Redis (a mark has no
            # "cleared" message of its own).
            pipe.publish(channel, "reset||")
        else:
            for key in matched["breakers"]:
                pipe.publish(channel, f"breaker|{key}|closed|0")
            for key in matched["cooldowns"]:
                pipe.publish(channel, f"cooldown|{key}|0")
        await pipe.execute()
    return {name: len(group) for name, group in matched.items()}


async def sessions(redis: Redis, keys: RedisKeys) -> list[dict[str, Any]]:
    found = []
    for key in await _scan(redis, keys.session_pattern):
        session = keys.session_of(key)
        if session is None:
            continue
        async with redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            value, ttl = await pipe.execute()
        if value is None:
            continue
        provider, _, account = _text(value).partition("/")
        found.append(
            {
                "id": session,
                "provider": provider,
                "account": account,
                "ttlSeconds": int(ttl) if ttl is not None and int(ttl) >= 0 else None,
            }
        )
    return found
