"""Admission at the edge: IP filter, per-key rate limits and budgets.

Limits are shared by every edge through Redis and checked in one atomic
script per request, before anything is dispatched:

* requests per minute per key (fixed one-minute windows);
* tokens per minute per key: each request reserves its upper bound
  (``spend_estimate.py``) in the window up front, corrected to the real
  usage when the answer is in; a request is refused when the window holds
  tokens and it would not fit (one request always fits an empty window);
* a USD budget per key and period (daily, weekly, monthly, UTC calendar):
  each request holds its upper-bound cost while it runs, so concurrent
  requests cannot all slip under the limit together; the hold is replaced
  by the real cost when the answer is in, and lapses by itself at the
  request's deadline if its edge dies first. Spent and held money are kept
  apart, so a refusal says what was really spent.

A Redis outage fails the request (503): a budget that cannot be checked is
not silently waived.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn

from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.budgets import MICRO, counter_ttl, current_period
from omniroute.common.v1 import config_pb2
from omniroute.errors import Forbidden, RateLimited, Unavailable
from omniroute.netaddr import IPNetwork, in_networks, parse_networks
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import RedisKeys
from services.edge.budget_refusal import budget_refusal
from services.edge.spend_estimate import NOTHING, Estimate

# KEYS: rpm counter, tpm counter, spend counter, holds hash ("-" when unused)
# ARGV: 1 rpm limit, 2 tpm limit, 3 tokens to reserve, 4 budget limit (micro),
#       5 micro-USD to hold, 6 window ttl, 7 (unused), 8 request id,
#       9 now (unix ms), 10 hold expiry (unix ms)
# Returns {0} when admitted, {1, used} rpm, {2, used} tpm,
# {3, spent, held, holders} budget.
_ADMIT = """
if ARGV[1] ~= '0' then
  local used = tonumber(redis.call('GET', KEYS[1]) or '0')
  if used >= tonumber(ARGV[1]) then return {1, used} end
end
if ARGV[2] ~= '0' then
  local tokens = tonumber(redis.call('GET', KEYS[2]) or '0')
  local limit = tonumber(ARGV[2])
  if tokens >= limit or (tokens > 0 and tokens + tonumber(ARGV[3]) > limit) then
    return {2, tokens}
  end
end
if ARGV[4] ~= '0' then
  local spent = tonumber(redis.call('GET', KEYS[3]) or '0')
  local held, holders = 0, 0
  local now = tonumber(ARGV[9])
  local holds = redis.call('HGETALL', KEYS[4])
  for i = 1, #holds, 2 do
    local amount, expiry = string.match(holds[i + 1], '(%d+):(%d+)')
    if tonumber(expiry) < now then
      redis.call('HDEL', KEYS[4], holds[i])
    else
      held, holders = held + tonumber(amount), holders + 1
    end
  end
  if spent + held + tonumber(ARGV[5]) > tonumber(ARGV[4]) then
    return {3, spent, held, holders}
  end
  redis.call('HSET', KEYS[4], ARGV[8], ARGV[5] .. ':' .. ARGV[10])
  local lasts = redis.call('PTTL', KEYS[4])
  if lasts < 0 or now + lasts < tonumber(ARGV[10]) then
    redis.call('PEXPIREAT', KEYS[4], ARGV[10])
  end
end
if ARGV[1] ~= '0' then
  redis.call('INCR', KEYS[1])
  redis.call('EXPIRE', KEYS[1], ARGV[6])
end
if ARGV[2] ~= '0' then
  redis.call('INCRBY', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[6])
end
return {0}
"""
# A minute window's counters outlive it, so late corrections still land.
_WINDOW_TTL_S = 120


@dataclass(frozen=True, slots=True)
class Ticket:
    """What one admitted request holds, to settle when its answer is in."""

    key_id: str
    request_id: str = ""
    budget_key: str = ""
    holds_key: str = ""
    budget_ttl: int = 0
    tpm_key: str = ""
    tokens_reserved: int = 0

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
        self,
        key_id: str,
        rpm: int,
        tpm: int,
        request_id: str,
        estimate: Estimate = NOTHING,
        hold_s: float = 300.0,
        spends: bool = True,
    ) -> Ticket:
        """Admits one request, holding ``estimate`` against the key's token
        window and budget for up to ``hold_s``, or raises 429 saying which
        limit and until when. A request that never ``spends`` (a token
        count) is held to the rate limits only."""
        budget = self._budgets.get(key_id) if spends else None
        if not rpm and not tpm and budget is None:
            return Ticket(key_id)
        now = time.time()
        minute = int(now // 60)
        rpm_key = self._keys.rate_window(key_id, "rpm", minute) if rpm else ""
        tpm_key = self._keys.rate_window(key_id, "tpm", minute) if tpm else ""
        tokens = estimate.tokens if tpm else 0
        today = datetime.now(UTC)
        budget_key = holds_key = ""
        budget_ttl, hold, ends = 0, 0, today
        if budget is not None:
            period_id, _, ends = current_period(budget.period, today)
            budget_key = self._keys.budget_spend(key_id, period_id)
            holds_key = self._keys.budget_holds(key_id)
            budget_ttl = counter_ttl(ends, today)
            hold = max(1, int(estimate.usd * MICRO))
        try:
            verdict, *counts = await self._admit(
                keys=[k or "-" for k in (rpm_key, tpm_key, budget_key, holds_key)],
                args=[
                    rpm,
                    tpm,
                    tokens,
                    int(budget.limit_usd * MICRO) if budget is not None else 0,
                    hold,
                    _WINDOW_TTL_S,
                    0,
                    request_id,
                    int(now * 1000),
                    int((now + hold_s) * 1000),
                ],
            )
        except (RedisError, OSError):
            REDIS_ERRORS.labels("admission").inc()
            raise Unavailable(
                "the gateway cannot check this key's limits right now; retry shortly",
                retry_after=1,
            ) from None
        if int(verdict):
            _refuse(int(verdict), counts, rpm, tpm, tokens, budget, hold, ends, now)
        return Ticket(
            key_id, request_id, budget_key, holds_key, budget_ttl, tpm_key, tokens
        )

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
        """Replaces the request's hold with its real cost and its reserved
        tokens with the real count."""
        if not ticket.holds_anything:
            return
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                if ticket.budget_key:
                    pipe.hdel(ticket.holds_key, ticket.request_id)
                    actual = int(max(cost, 0.0) * MICRO)
                    if actual:
                        pipe.incrby(ticket.budget_key, actual)
                        pipe.expire(ticket.budget_key, ticket.budget_ttl)
                if ticket.tpm_key and tokens != ticket.tokens_reserved:
                    pipe.incrby(ticket.tpm_key, tokens - ticket.tokens_reserved)
                    pipe.expire(ticket.tpm_key, _WINDOW_TTL_S)
                await pipe.execute()
        except (RedisError, OSError):
            REDIS_ERRORS.labels("admission_settle").inc()


def _refuse(
    verdict: int,
    counts: list[int],
    rpm: int,
    tpm: int,
    tokens: int,
    budget: config_pb2.Budget | None,
    hold: int,
    ends: datetime,
    now: float,
) -> NoReturn:
    """The 429 of the limit the admission script named."""
    if verdict == 1:
        raise RateLimited(
            f"rate limit: {rpm} requests per minute for this key",
            retry_after=_to_next_minute(now),
        )
    if verdict == 2:
        raise RateLimited(
            f"rate limit: {tpm} tokens per minute for this key; "
            f"{int(counts[0])} are counted or held this minute and this "
            f"request may use up to {tokens}",
            retry_after=_to_next_minute(now),
        )
    assert budget is not None
    spent, held, holders = (int(c) for c in counts)
    raise budget_refusal(
        budget, spent / MICRO, held / MICRO, holders, hold / MICRO, ends
    )


def _to_next_minute(now: float) -> int:
    return max(1, 60 - int(now % 60))
