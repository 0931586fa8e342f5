"""Which account a request should stay on: its session's, or the one whose
provider-side prompt cache holds its prefix.

A provider caches a prompt prefix per account (organisation), so a long
conversation that moves between accounts pays a cache write on every move
instead of a read. Both pins are shared by every executor through Redis:
the session's for the session TTL setting, the prefix's for the provider's
cache lifetime (five minutes, refreshed by every use, or an hour when the
request asked for one-hour breakpoints). A pinned account that is cooling
down, invalid or behind an open breaker is simply not among the usable
ones, so the request moves once and the pin follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from omniroute.runtime.redis_keys import RedisKeys

SHORT_CACHE_TTL_S = 5 * 60
LONG_CACHE_TTL_S = 60 * 60


@dataclass(slots=True)
class Affinity:
    redis: Redis
    keys: RedisKeys
    session_id: str = ""
    session_ttl_s: int = 0
    prefix_key: str = ""
    prefix_ttl_s: int = SHORT_CACHE_TTL_S
    # Why the account tried first was first: "session", "prefix" or
    # "strategy" (the account strategy's own order).
    reason: str = "strategy"

    @property
    def _session(self) -> str:
        use = self.session_id and self.session_ttl_s > 0
        return self.keys.session(self.session_id) if use else ""

    @property
    def _prefix(self) -> str:
        return self.keys.prompt_prefix(self.prefix_key) if self.prefix_key else ""

    async def pinned(self, provider_id: str, usable: set[str]) -> str | None:
        """The usable account of ``provider_id`` this request is pinned to:
        the session's first, then the prefix's (one round trip)."""
        names = [(reason, key) for reason, key in self._keys() if key]
        if not names:
            return None
        values = await self.redis.mget([key for _, key in names])
        for (reason, _), value in zip(names, values, strict=True):
            if not value:
                continue
            pinned_provider, _, account = value.decode().partition("/")
            if pinned_provider == provider_id and account in usable:
                self.reason = reason
                return str(account)
        return None

    async def served(self, provider_id: str, account_id: str) -> None:
        """``account_id`` answered: the session and the prefix stay on it."""
        if not (self._session or self._prefix):
            return
        value = f"{provider_id}/{account_id}"
        async with self.redis.pipeline(transaction=False) as pipe:
            if self._session:
                pipe.set(self._session, value, ex=self.session_ttl_s)
            if self._prefix:
                pipe.set(self._prefix, value, ex=self.prefix_ttl_s)
            await pipe.execute()

    def _keys(self) -> tuple[tuple[str, str], ...]:
        return (("session", self._session), ("prefix", self._prefix))
