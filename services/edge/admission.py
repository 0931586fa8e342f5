"""Admission at the edge: IP filter, per-key rate limits and budgets.

Limits are shared by every edge through Redis and checked in one atomic
script per request, before anything is dispatched:

* requests per minute and tokens per minute per key (fixed one-minute
  windows); tokens are counted after the answer, from the real usage;
* a USD budget per key and period (daily, weekly, monthly, UTC calendar):
  each request reserves its estimated cost up front, so concurrent
  requests cannot all slip under the limit together, and the reservation
  is corrected to the real cost when the answer is in.

A Redis outage fails the request (503): a budget that cannot be checked is
not silently waived.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.budgets import MICRO, counter_ttl, current_period
from omniroute.common.v1 import config_pb2
from omniroute.errors import Forbidden, RateLimited, Unavailable
from omniroute.netaddr import IPNetwork, in_networks, parse_networks
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import RedisKeys

# KEYS: rpm counter, tpm counter, budget counter (any may be "")
# ARGV: rpm limit, tpm limit, budget limit (micro-USD), reservation (micro-USD),
#       window ttl, budget ttl
# Returns {0, 0} when admitted, else {1 rpm | 2 tpm | 3 budget, current}.
_ADMIT = """
if ARGV[1] ~= '0' then
  local used = tonumber(redis.call('GET', KEYS[1]) or '0')
  if used >= tonumber(ARGV[1]) then return {1, used} end
end
if ARGV[2] ~= '0' then
  local tokens = tonumber(redis.call('GET', KEYS[2]) or '0')
  if tokens >= tonumber(ARGV[2]) then return {2, tokens} end
end
if ARGV[3] ~= '0' then
  local spent = tonumber(redis.call('GET', KEYS[3]) or '0')
  if spent + tonumber(ARGV[4]) > tonumber(ARGV[3]) then return {3, spent} end
  redis.call('INCRBY', KEYS[3], ARGV[4])
  redis.call('EXPIRE', KEYS[3], ARGV[6])
end
if ARGV[1] ~= '0' then
  redis.call('INCR', KEYS[1])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
return {0, 0}
"""


@dataclass(frozen=True, slots=True)
class Ticket:
    """What one admitted request holds: its reservation, to settle later."""

    key_id: str
    budget_key: str = ""
    reserved_micro: int = 0
    tpm_key: str = ""
    budget_ttl: int = 0

    @property
    def holds_anything(self) -> bool:
        """Does settling it write anything (a budget or token counter)?"""
        return bool(self.budget_key or self.tpm_key)


@dataclass(frozen=True, slots=True)
class Standing:
    """A key's counters against its limits (a limit of 0 is none)."""

    rpm_limit: int
    rpm_used: int
    tpm_limit: int
    tpm_used: int
    # Unix seconds when this minute's request and token windows end.
    window_ends: int
    budget: config_pb2.Budget | None
    spent_usd: float
    budget_ends: datetime


class Admission:
    def __init__(self, redis: Redis, keys: RedisKeys) -> None:
        self._redis = redis
        self._keys = keys
        self._admit = redis.register_script(_ADMIT)
        self._budgets: dict[str, config_pb2.Budget] = {}
        self._filter_enabled = False
        self._whitelist_mode = False
        self._blacklist: list[IPNetwork] = []
        self._whitelist: list[IPNetwork] = []

    def configure(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        self._budgets = {b.key_id: b for b in snapshot.budgets if b.limit_usd > 0}
        ip_filter = snapshot.settings.ip_filter
        self._filter_enabled = ip_filter.enabled
        self._whitelist_mode = ip_filter.mode == "whitelist"
        self._blacklist = parse_networks(ip_filter.blacklist)
        self._whitelist = parse_networks(ip_filter.whitelist)

    def check_address(self, address: str) -> None:
        """403 for a client the IP filter keeps out."""
        if not self._filter_enabled:
            return
        if self._whitelist_mode and not in_networks(address, self._whitelist):
            raise Forbidden(
                f"requests from {address} are not allowed (IP allowlist)",
                code="ip_not_allowed",
            )
        if not self._whitelist_mode and in_networks(address, self._blacklist):
            raise Forbidden(f"requests from {address} are blocked", code="ip_blocked")

    def budget_of(self, key_id: str) -> config_pb2.Budget | None:
        return self._budgets.get(key_id)

    async def admit(
        self, key_id: str, rpm: int, tpm: int, estimated_cost: float
    ) -> Ticket:
        """Admits one request or raises 429 saying which limit and until when."""
        budget = self._budgets.get(key_id)
        if not rpm and not tpm and budget is None:
            return Ticket(key_id)
        now = time.time()
        minute = int(now // 60)
        rpm_key = self._keys.rate_window(key_id, "rpm", minute) if rpm else ""
        tpm_key = self._keys.rate_window(key_id, "tpm", minute) if tpm else ""
        today = datetime.now(UTC)
        budget_key, budget_ttl, ends = "", 0, today
        reserve = 0
        if budget is not None:
            period_id, _, ends = current_period(budget.period, today)
            budget_key = self._keys.budget_spend(key_id, period_id)
            budget_ttl = counter_ttl(ends, today)
            reserve = max(1, int(estimated_cost * MICRO))
        try:
            verdict, current = await self._admit(
                keys=[rpm_key or "-", tpm_key or "-", budget_key or "-"],
                args=[
                    rpm,
                    tpm,
                    int(budget.limit_usd * MICRO) if budget is not None else 0,
                    reserve,
                    120,
                    budget_ttl,
                ],
            )
        except (RedisError, OSError):
            REDIS_ERRORS.labels("admission").inc()
            raise Unavailable(
                "the gateway cannot check this key's limits right now; retry shortly",
                retry_after=1,
            ) from None
        verdict = int(verdict)
        if verdict == 1:
            raise RateLimited(
                f"rate limit: {rpm} requests per minute for this key",
                retry_after=_to_next_minute(now),
            )
        if verdict == 2:
            raise RateLimited(
                f"rate limit: {tpm} tokens per minute for this key",
                retry_after=_to_next_minute(now),
            )
        if verdict == 3:
            assert budget is not None
            raise RateLimited(
                f"Budget limit exceeded: ${int(current) / MICRO:.4f} of "
                f"${budget.limit_usd:.2f} spent this {_period_noun(budget.period)}; "
                f"it resets {ends:%Y-%m-%d %H:%M} UTC",
                code="budget_exceeded",
                retry_after=int((ends - datetime.now(UTC)).total_seconds()) + 1,
            )
        return Ticket(key_id, budget_key, reserve, tpm_key, budget_ttl)

    async def standing(self, key_id: str, rpm: int, tpm: int) -> Standing:
        """Where ``key_id`` stands against its limits now; counts nothing."""
        budget = self._budgets.get(key_id)
        now = time.time()
        minute = int(now // 60)
        names: list[str] = []
        if rpm:
            names.append(self._keys.rate_window(key_id, "rpm", minute))
        if tpm:
            names.append(self._keys.rate_window(key_id, "tpm", minute))
        today = datetime.now(UTC)
        ends = today
        if budget is not None:
            period_id, _, ends = current_period(budget.period, today)
            names.append(self._keys.budget_spend(key_id, period_id))
        values: list[int] = []
        if names:
            try:
                values = [int(v or 0) for v in await self._redis.mget(names)]
            except (RedisError, OSError):
                REDIS_ERRORS.labels("admission").inc()
                raise Unavailable(
                    "the gateway cannot read this key's limits right now; "
                    "retry shortly",
                    retry_after=1,
                ) from None
        counts = iter(values)
        return Standing(
            rpm_limit=rpm,
            rpm_used=next(counts) if rpm else 0,
            tpm_limit=tpm,
            tpm_used=next(counts) if tpm else 0,
            window_ends=(minute + 1) * 60,
            budget=budget,
            spent_usd=next(counts) / MICRO if budget is not None else 0.0,
            budget_ends=ends,
        )

    async def settle(self, ticket: Ticket, cost: float, tokens: int) -> None:
        """Replaces the reservation with the real cost; counts real tokens."""
        if not ticket.holds_anything:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                if ticket.budget_key:
                    actual = int(max(cost, 0.0) * MICRO)
                    pipe.incrby(ticket.budget_key, actual - ticket.reserved_micro)
                if ticket.tpm_key and tokens:
                    pipe.incrby(ticket.tpm_key, tokens)
                    pipe.expire(ticket.tpm_key, 120)
                await pipe.execute()
        except (RedisError, OSError):
            REDIS_ERRORS.labels("admission_settle").inc()


def _to_next_minute(now: float) -> int:
    return max(1, 60 - int(now % 60))


def _period_noun(period: str) -> str:
    return {"daily": "day", "weekly": "week"}.get(period, "month")
