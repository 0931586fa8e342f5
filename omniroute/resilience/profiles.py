"""Resilience settings with their defaults, read from the config snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from omniroute.common.v1 import config_pb2


@dataclass(frozen=True, slots=True)
class BreakerProfile:
    failure_threshold: int
    window_s: float
    reset_timeout_s: float


# API-key providers fail loudly and recover fast (OmniRoute's own profiles
# use 12 / 30 s; fewer failures open ours because a fallback is cheap).
DEFAULT_PROVIDER_BREAKER = BreakerProfile(
    failure_threshold=5, window_s=60, reset_timeout_s=30
)
DEFAULT_ACCOUNT_BREAKER = BreakerProfile(
    failure_threshold=3, window_s=60, reset_timeout_s=30
)


@dataclass(frozen=True, slots=True)
class Resilience:
    provider_breaker: BreakerProfile = DEFAULT_PROVIDER_BREAKER
    account_breaker: BreakerProfile = DEFAULT_ACCOUNT_BREAKER
    cooldown_base_s: float = 5.0
    cooldown_max_s: float = 300.0
    quota_cooldown_s: float = 3600.0
    first_token_timeout_s: float = 60.0
    target_timeout_s: float = 300.0
    max_dispatch_backlog: int = 2000
    # first_token_timeout_s for a provider id or a combo name.
    first_byte_timeouts: Mapping[str, float] = field(default_factory=dict)
    stall_timeout_s: float = 30.0

    def first_byte_timeout(self, provider_id: str, combo: str = "") -> float:
        """How long a target may send nothing before the next is tried: the
        provider's own setting, else its combo's, else the default."""
        timeouts = self.first_byte_timeouts
        return (
            timeouts.get(provider_id)
            or timeouts.get(combo)
            or (self.first_token_timeout_s)
        )

    @classmethod
    def from_settings(cls, settings: config_pb2.ResilienceSettings) -> Resilience:
        default = cls()
        return cls(
            provider_breaker=_breaker(
                settings.provider_breaker, default.provider_breaker
            ),
            account_breaker=_breaker(settings.account_breaker, default.account_breaker),
            cooldown_base_s=settings.cooldown_base_seconds or default.cooldown_base_s,
            cooldown_max_s=settings.cooldown_max_seconds or default.cooldown_max_s,
            quota_cooldown_s=settings.quota_cooldown_seconds
            or default.quota_cooldown_s,
            first_token_timeout_s=settings.first_token_timeout_seconds
            or default.first_token_timeout_s,
            target_timeout_s=settings.target_timeout_seconds
            or default.target_timeout_s,
            max_dispatch_backlog=settings.max_dispatch_backlog
            or default.max_dispatch_backlog,
            first_byte_timeouts=dict(settings.first_byte_timeouts),
            stall_timeout_s=settings.stall_timeout_seconds or default.stall_timeout_s,
        )

    def to_settings(self) -> config_pb2.ResilienceSettings:
        return config_pb2.ResilienceSettings(
            provider_breaker=_profile_message(self.provider_breaker),
            account_breaker=_profile_message(self.account_breaker),
            cooldown_base_seconds=self.cooldown_base_s,
            cooldown_max_seconds=self.cooldown_max_s,
            quota_cooldown_seconds=self.quota_cooldown_s,
            first_token_timeout_seconds=self.first_token_timeout_s,
            target_timeout_seconds=self.target_timeout_s,
            max_dispatch_backlog=self.max_dispatch_backlog,
            first_byte_timeouts=dict(self.first_byte_timeouts),
            stall_timeout_seconds=self.stall_timeout_s,
        )

    def rate_limit_cooldown(self, level: int) -> float:
        """Cooldown after the ``level``-th rate limit in a row (1-based)."""
        backoff: float = self.cooldown_base_s * 2 ** max(0, level - 1)
        return min(self.cooldown_max_s, backoff)


def _breaker(
    message: config_pb2.BreakerProfile, default: BreakerProfile
) -> BreakerProfile:
    return BreakerProfile(
        failure_threshold=message.failure_threshold or default.failure_threshold,
        window_s=message.window_seconds or default.window_s,
        reset_timeout_s=message.reset_timeout_seconds or default.reset_timeout_s,
    )


def _profile_message(profile: BreakerProfile) -> config_pb2.BreakerProfile:
    return config_pb2.BreakerProfile(
        failure_threshold=profile.failure_threshold,
        window_seconds=profile.window_s,
        reset_timeout_seconds=profile.reset_timeout_s,
    )
