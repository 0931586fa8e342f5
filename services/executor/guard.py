"""Which provider and account may take a call now, and what a failure costs.

Reads come from the local ``HealthMirror`` (no Redis round trip while all is
well); writes go to Redis through the atomic breaker and cooldown scripts and
are mirrored locally at once. Rules (DESIGN.md, Resilience): rate limits and
quota cool the *account*; refused credentials mark it invalid; 5xx, timeouts
and connection errors count against the *provider's* and the account's
breakers.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from enum import IntEnum

from redis.asyncio import Redis

from omniroute.common.v1 import config_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.resilience.breaker import Admission, Breakers, BreakerState
from omniroute.resilience.cooldown import Cooldowns
from omniroute.resilience.mirror import HealthMirror
from omniroute.resilience.profiles import Resilience
from omniroute.routing.usage_counts import UsageCounts
from omniroute.runtime.redis_keys import RedisKeys
from services.executor.affinity import LONG_CACHE_TTL_S, SHORT_CACHE_TTL_S, Affinity
from services.executor.classify import FailureKind, UpstreamFailure
from services.executor.config_view import AccountView, ProviderView

log = logging.getLogger(__name__)

ACCOUNT_SCOPED = frozenset(
    {FailureKind.RATE_LIMIT, FailureKind.QUOTA, FailureKind.AUTH}
)
PROVIDER_SCOPED = frozenset(
    {FailureKind.SERVER, FailureKind.TIMEOUT, FailureKind.CONNECTION}
)
# A request that asks for one-hour cache breakpoints (bodies are written
# compactly by orjson).
_ONE_HOUR = b'"1h"'


class RestReason(IntEnum):
    """Why an account is left alone; the lower, the sooner it is worth
    telling the client to retry (a cooling account says when it is back)."""

    COOLING = 0
    FAILING = 1
    INVALID = 2
    DISABLED = 3


@dataclass(frozen=True, slots=True)
class Resting:
    seconds: float
    reason: RestReason


class Guard:
    def __init__(self, redis: Redis, keys: RedisKeys, mirror: HealthMirror) -> None:
        self._redis = redis
        self._keys = keys
        self._mirror = mirror
        self._breakers = Breakers(redis, keys)
        self._cooldowns = Cooldowns(redis, keys)
        self._usage = UsageCounts(redis)
        self._rng = random.Random()
        # Breakers this executor saw fail recently: a success must reset them.
        self._dirty: set[str] = set()
        self.resilience = Resilience()
        self.routing = config_pb2.RoutingSettings()

    def configure(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        self.resilience = Resilience.from_settings(snapshot.resilience)
        self.routing = snapshot.routing

    def affinity(self, dispatch: dispatch_pb2.Dispatch) -> Affinity:
        """The session and prefix pins of ``dispatch``."""
        # Only a pinned prefix needs its lifetime: short requests (the hot
        # path) skip scanning their bodies.
        one_hour = bool(dispatch.prefix_key) and any(
            _ONE_HOUR in body for body in (dispatch.body, dispatch.client_body)
        )
        return Affinity(
            self._redis,
            self._keys,
            session_id=dispatch.session_id,
            session_ttl_s=self.routing.session_ttl_seconds,
            prefix_key=dispatch.prefix_key,
            prefix_ttl_s=LONG_CACHE_TTL_S if one_hour else SHORT_CACHE_TTL_S,
        )

    # -- admission -------------------------------------------------------------
    async def admit_provider(self, provider_id: str) -> Admission:
        key = self._keys.provider_breaker(provider_id)
        state, reopens_ms = self._mirror.breaker(key)
        if state == "closed":
            return Admission(True, BreakerState.CLOSED)
        resting_ms = reopens_ms - _now_ms()
        if state == "open" and resting_ms > 0:
            # Still resting: no need to ask Redis to say no.
            return Admission(False, BreakerState.OPEN, int(resting_ms))
        admission = await self._breakers.acquire(key)
        if admission.probe:
            self._mirror.note("breaker", key, "half_open|0")
        return admission

    async def accounts(
        self, provider: ProviderView, affinity: Affinity | None = None
    ) -> tuple[list[AccountView], Resting]:
        """Usable accounts in the order to try them, and (when none is) why
        and the seconds until one will be. An account the request's session
        or prefix is pinned to goes first while it is usable; ``affinity``
        learns why the first one is first."""
        usable: list[AccountView] = []
        soonest, reason = float("inf"), RestReason.DISABLED
        for account in provider.accounts:
            rest = self._resting(provider.id, account)
            if rest.seconds <= 0:
                usable.append(account)
            else:
                soonest = min(soonest, rest.seconds)
                reason = min(reason, rest.reason)
        if not usable:
            return [], Resting(soonest, reason)
        ordered = await self._order(provider, usable)
        if affinity is not None and len(ordered) > 1:
            pinned = await affinity.pinned(provider.id, {a.id for a in ordered})
            if pinned:
                ordered.sort(key=lambda a: a.id != pinned)
        return ordered, Resting(0.0, RestReason.DISABLED)

    def _resting(self, provider_id: str, account: AccountView) -> Resting:
        """How long this account must still be left alone (0: usable), and
        why: its breaker is open (it kept failing), it is cooling down (the
        provider said it is rate or quota limited), or its key was refused."""
        invalid = self._keys.invalid_account(
            provider_id, account.id, account.fingerprint
        )
        if invalid in self._mirror.invalid:
            return Resting(float("inf"), RestReason.INVALID)
        state, reopen_ms = self._mirror.breaker(
            self._keys.account_breaker(provider_id, account.id)
        )
        if state == "open":
            # Past its reset timeout an open breaker may take one probe
            # (``admit_account`` decides which call it is).
            return Resting(reopen_ms / 1000 - time.time(), RestReason.FAILING)
        cooling = self._mirror.cooldown_remaining(
            self._keys.cooldown(provider_id, account.id)
        )
        return Resting(cooling, RestReason.COOLING)

    async def admit_account(self, provider_id: str, account: AccountView) -> bool:
        """May a call go to this account now? Closed breakers answer from the
        mirror; a breaker that is not closed lets exactly one call through
        (the probe), across every executor."""
        key = self._keys.account_breaker(provider_id, account.id)
        if self._mirror.breaker(key)[0] == "closed":
            return True
        admission = await self._breakers.acquire(key)
        if admission.probe:
            self._mirror.note("breaker", key, "half_open|0")
        return admission.allowed

    async def _order(
        self, provider: ProviderView, accounts: list[AccountView]
    ) -> list[AccountView]:
        if len(accounts) == 1:
            return accounts
        strategy = self.routing.provider_account_strategies.get(
            provider.id, self.routing.account_strategy or "fill-first"
        )
        if strategy == "round-robin":
            turn = await self._redis.incr(
                self._keys.round_robin(f"accounts:{provider.id}")
            )
            start = (turn - 1) % len(accounts)
            return accounts[start:] + accounts[:start]
        if strategy == "random":
            shuffled = list(accounts)
            self._rng.shuffle(shuffled)
            return shuffled
        if strategy == "least-used":
            # Counted in Redis, so every executor balances the same accounts.
            pick, usage = await self._usage.pick_least_used(
                self._keys.account_usage(provider.id), [a.id for a in accounts]
            )
            order = sorted(range(len(accounts)), key=lambda i: (i != pick, usage[i]))
            return [accounts[i] for i in order]
        return accounts  # fill-first: already by priority

    # -- outcomes --------------------------------------------------------------
    async def succeeded(
        self,
        provider: ProviderView,
        account: AccountView,
        admission: Admission,
        affinity: Affinity | None = None,
    ) -> None:
        for key in (
            self._keys.provider_breaker(provider.id),
            self._keys.account_breaker(provider.id, account.id),
        ):
            if (
                key in self._dirty
                or admission.probe
                or self._mirror.breaker(key)[0] != "closed"
            ):
                self._dirty.discard(key)
                state = await self._breakers.success(key)
                if state is BreakerState.CLOSED:
                    self._mirror.note("breaker", key, "closed|0")
        if affinity is not None:
            await affinity.served(provider.id, account.id)

    async def failed(
        self, provider: ProviderView, account: AccountView, failure: UpstreamFailure
    ) -> None:
        resilience = self.resilience
        if failure.kind is FailureKind.RATE_LIMIT:
            seconds = await self._cooldowns.rate_limited(
                provider.id, account.id, failure.retry_after_s, resilience
            )
            self._mirror.note(
                "cooldown",
                self._keys.cooldown(provider.id, account.id),
                str(seconds * 1000),
            )
            log.info(
                "account cooling down",
                extra={
                    "provider": provider.id,
                    "account": account.id,
                    "seconds": seconds,
                },
            )
        elif failure.kind is FailureKind.QUOTA:
            seconds = failure.retry_after_s or resilience.quota_cooldown_s
            await self._cooldowns.cool(provider.id, account.id, seconds, "quota")
            self._mirror.note(
                "cooldown",
                self._keys.cooldown(provider.id, account.id),
                str(seconds * 1000),
            )
        elif failure.kind is FailureKind.AUTH:
            await self._cooldowns.mark_invalid(
                provider.id, account.id, account.credential
            )
            self._mirror.note(
                "invalid",
                self._keys.invalid_account(
                    provider.id, account.id, account.fingerprint
                ),
                "0",
            )
            log.warning(
                "account credential refused",
                extra={"provider": provider.id, "account": account.id},
            )
        elif failure.kind in PROVIDER_SCOPED:
            for key, profile in (
                (self._keys.provider_breaker(provider.id), resilience.provider_breaker),
                (
                    self._keys.account_breaker(provider.id, account.id),
                    resilience.account_breaker,
                ),
            ):
                self._dirty.add(key)
                state = await self._breakers.failure(key, profile)
                if state is BreakerState.OPEN:
                    reopen = (profile.reset_timeout_s * 1000) + _now_ms()
                    self._mirror.note("breaker", key, f"open|{reopen}")


def _now_ms() -> float:
    return time.time() * 1000
