"""Prometheus metrics of the router: provider health as the mirror sees it.

Refreshed from the resilience mirror (breakers, cooldowns) on every change
it reports and once a second (cooldowns simply run out), so the numbers are
what routing decisions use.
"""

from __future__ import annotations

from collections import Counter

from prometheus_client import Gauge

from omniroute.resilience.mirror import HealthMirror
from omniroute.runtime.redis_keys import RedisKeys

BREAKER_STATES = {"closed": 0, "half_open": 1, "open": 2}

BREAKER_STATE = Gauge(
    "omniroute_router_breaker_state",
    "Circuit breaker of each provider: 0 closed, 1 half-open, 2 open.",
    ["provider"],
)
COOLING_ACCOUNTS = Gauge(
    "omniroute_router_cooling_accounts",
    "Accounts resting after a rate limit or quota failure, by provider.",
    ["provider"],
)


def refresh(mirror: HealthMirror, keys: RedisKeys) -> None:
    """Sets both gauges from the mirror (providers back to normal read 0)."""
    prefix = keys.provider_breaker("")
    breakers = {
        key.removeprefix(prefix): BREAKER_STATES.get(state, 2)
        for key, (state, _) in mirror.breakers.items()
        if key.startswith(prefix)
    }
    cooldown_prefix = keys.cooldown("", "")[:-1]
    cooling: Counter[str] = Counter(
        key.removeprefix(cooldown_prefix).split(":", 1)[0]
        for key in list(mirror.cooldowns)
        if mirror.cooldown_remaining(key) > 0
    )
    _set(BREAKER_STATE, breakers)
    _set(COOLING_ACCOUNTS, dict(cooling))


def _set(gauge: Gauge, values: dict[str, int]) -> None:
    known = {labels[0] for labels in gauge._metrics}
    for provider in known - set(values):
        gauge.labels(provider).set(0)
    for provider, value in values.items():
        gauge.labels(provider).set(value)
