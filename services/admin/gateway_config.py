"""Gateway settings kept in the ``settings`` table, one JSON row per group.

Each group is a pydantic model with its defaults, its validation and its
protobuf form. ``services.admin.settings_groups`` lists them all once, with
how the API, the snapshot and the export handle each. A group missing from
the table is its defaults, so a fresh database needs no seeding.
"""

from __future__ import annotations

import base64
from typing import Annotated, ClassVar, Literal, TypeVar

from pydantic import (
    AliasChoices,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from omniroute import outbound_policy
from omniroute.common.v1 import config_pb2
from omniroute.netaddr import parse_network
from omniroute.resilience.profiles import BreakerProfile, Resilience
from omniroute.routing.table import DEFAULT_MAX_COMBO_DEPTH
from omniroute.runtime.crypto import seal, unseal
from services.admin.db.models import Setting
from services.admin.schemas import SnakeModel

AccountStrategy = Literal["fill-first", "round-robin", "random", "least-used"]
PromptCacheMode = Literal["auto", "off"]


class Group(SnakeModel):
    KEY: ClassVar[str]


class IpFilterConfig(Group):
    """Who may call the gateway, by address (enforced by the edge)."""

    KEY: ClassVar[str] = "ip_filter"
    enabled: bool = False
    mode: Literal["blacklist", "whitelist"] = Field(
        "blacklist",
        description="blacklist: everyone but these; whitelist: only these",
    )
    blacklist: list[str] = Field(default_factory=list, max_length=10_000)
    whitelist: list[str] = Field(default_factory=list, max_length=10_000)

    @field_validator("blacklist", "whitelist")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        normalised = []
        for index, value in enumerate(values):
            try:
                network = parse_network(value)
            except ValueError:
                raise ValueError(
                    f"entry {index} ({value!r}) is not an IP address or CIDR range"
                ) from None
            text = str(network)
            # A single address reads better without its /32.
            if network.num_addresses == 1:
                text = str(network.network_address)
            normalised.append(text)
        return list(dict.fromkeys(normalised))

    def to_proto(self) -> config_pb2.IpFilter:
        return config_pb2.IpFilter(
            enabled=self.enabled,
            mode=self.mode,
            blacklist=self.blacklist,
            whitelist=self.whitelist,
        )


class SystemPromptConfig(Group):
    """Text added before and after every chat request's system prompt."""

    KEY: ClassVar[str] = "system_prompt"
    enabled: bool = False
    # The original dashboard says prefixPrompt / suffixPrompt; its 3.7
    # releases had one ``prompt``, which 3.8 reads as the suffix.
    prefix: str = Field(
        "", max_length=100_000, validation_alias=AliasChoices("prefix", "prefixPrompt")
    )
    suffix: str = Field(
        "",
        max_length=100_000,
        validation_alias=AliasChoices("suffix", "suffixPrompt", "prompt"),
    )

    def to_proto(self) -> config_pb2.SystemPrompt:
        return config_pb2.SystemPrompt(
            enabled=self.enabled, prefix=self.prefix, suffix=self.suffix
        )


class ThinkingBudgetConfig(Group):
    """What the gateway does with reasoning budgets of requests."""

    KEY: ClassVar[str] = "thinking_budget"
    mode: Literal["passthrough", "custom", "off"] = Field(
        "passthrough",
        description="passthrough: leave requests alone; custom: set "
        "custom_budget tokens when a request asks for reasoning; off: strip it",
    )
    custom_budget: int = Field(10_240, ge=0, le=1_000_000)

    def to_proto(self) -> config_pb2.ThinkingBudget:
        return config_pb2.ThinkingBudget(
            mode=self.mode, custom_budget=self.custom_budget
        )


class CacheConfig(Group):
    """Response cache switches (the cache service applies them)."""

    KEY: ClassVar[str] = "cache"
    exact_enabled: bool = True
    semantic_enabled: bool = False
    # Paraphrases score ~0.9 with the bundled model, related but different
    # questions ~0.66 (services/cache/semantic.py).
    similarity_threshold: float = Field(0.88, gt=0.0, le=1.0)
    ttl_seconds: int = Field(3600, ge=1, le=30 * 86_400)
    cache_sampled: bool = Field(
        False, description="also cache requests with temperature != 0"
    )

    def to_proto(self) -> config_pb2.CacheSettings:
        return config_pb2.CacheSettings(
            exact_enabled=self.exact_enabled,
            semantic_enabled=self.semantic_enabled,
            similarity_threshold=self.similarity_threshold,
            ttl_seconds=self.ttl_seconds,
            cache_sampled=self.cache_sampled,
        )


class ProxyConfig(Group):
    """Outbound proxy of provider calls; the URL is stored sealed."""

    KEY: ClassVar[str] = "proxy"
    enabled: bool = False
    # base64 of the AES-GCM sealed URL (it may carry a password).
    sealed_url: str = ""

    def url(self, secret: bytes) -> str:
        if not self.sealed_url:
            return ""
        return unseal(secret, base64.b64decode(self.sealed_url))

    @classmethod
    def sealed(cls, secret: bytes, url: str, enabled: bool) -> ProxyConfig:
        if url:
            outbound_policy.check(url, "url")
        sealed = base64.b64encode(seal(secret, url)).decode() if url else ""
        return cls(enabled=enabled and bool(url), sealed_url=sealed)

    def active_url(self, secret: bytes) -> str:
        """What the executor should use: the URL when enabled, else nothing."""
        return self.url(secret) if self.enabled else ""


class RoutingConfig(Group):
    """How accounts and fallbacks are chosen."""

    KEY: ClassVar[str] = "routing"
    account_strategy: AccountStrategy = "fill-first"
    provider_account_strategies: dict[str, AccountStrategy] = Field(
        default_factory=dict
    )
    session_ttl_seconds: int = Field(
        900, ge=0, le=7 * 86_400, description="0 turns session affinity off"
    )
    global_fallback_model: str = Field("", max_length=256)
    max_combo_depth: int = Field(DEFAULT_MAX_COMBO_DEPTH, ge=1, le=10)
    prompt_cache: PromptCacheMode = Field(
        "auto",
        description="automatic prompt-cache breakpoints for Anthropic-format "
        "providers when a request has none",
    )
    provider_prompt_cache: dict[str, PromptCacheMode] = Field(default_factory=dict)
    combo_prompt_cache: dict[str, PromptCacheMode] = Field(default_factory=dict)

    def to_proto(self) -> config_pb2.RoutingSettings:
        return config_pb2.RoutingSettings(
            account_strategy=self.account_strategy,
            provider_account_strategies=dict(self.provider_account_strategies),
            session_ttl_seconds=self.session_ttl_seconds,
            global_fallback_model=self.global_fallback_model.strip(),
            max_combo_depth=self.max_combo_depth,
            prompt_cache=self.prompt_cache,
            provider_prompt_cache=dict(self.provider_prompt_cache),
            combo_prompt_cache=dict(self.combo_prompt_cache),
        )


_DEFAULT = Resilience()


class BreakerConfig(SnakeModel):
    failure_threshold: int = Field(ge=1, le=1000)
    window_seconds: float = Field(gt=0, le=86_400)
    reset_timeout_seconds: float = Field(gt=0, le=86_400)

    @classmethod
    def of(cls, profile: BreakerProfile) -> BreakerConfig:
        return cls(
            failure_threshold=profile.failure_threshold,
            window_seconds=profile.window_s,
            reset_timeout_seconds=profile.reset_timeout_s,
        )

    def profile(self) -> BreakerProfile:
        return BreakerProfile(
            self.failure_threshold, self.window_seconds, self.reset_timeout_seconds
        )


class ResilienceConfig(Group):
    """Breaker thresholds, cooldowns and timeouts (defaults: ``Resilience()``)."""

    KEY: ClassVar[str] = "resilience"
    provider_breaker: BreakerConfig = BreakerConfig.of(_DEFAULT.provider_breaker)
    account_breaker: BreakerConfig = BreakerConfig.of(_DEFAULT.account_breaker)
    cooldown_base_seconds: float = Field(_DEFAULT.cooldown_base_s, gt=0, le=86_400)
    cooldown_max_seconds: float = Field(_DEFAULT.cooldown_max_s, gt=0, le=7 * 86_400)
    quota_cooldown_seconds: float = Field(
        _DEFAULT.quota_cooldown_s, gt=0, le=30 * 86_400
    )
    first_token_timeout_seconds: float = Field(
        _DEFAULT.first_token_timeout_s, gt=0, le=3600
    )
    target_timeout_seconds: float = Field(_DEFAULT.target_timeout_s, gt=0, le=7200)
    max_dispatch_backlog: int = Field(_DEFAULT.max_dispatch_backlog, ge=1, le=10**7)
    # first_token_timeout_seconds for one provider id or combo name.
    first_byte_timeouts: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=128)],
        Annotated[float, Field(gt=0, le=3600)],
    ] = Field(default_factory=dict, max_length=1000)
    stall_timeout_seconds: float = Field(_DEFAULT.stall_timeout_s, gt=0, le=3600)

    @field_validator("cooldown_max_seconds")
    @classmethod
    def _max_over_base(cls, value: float, info: ValidationInfo) -> float:
        base = info.data.get("cooldown_base_seconds")
        if base is not None and value < base:
            raise ValueError("must be at least cooldown_base_seconds")
        return value

    def resilience(self) -> Resilience:
        return Resilience(
            provider_breaker=self.provider_breaker.profile(),
            account_breaker=self.account_breaker.profile(),
            cooldown_base_s=self.cooldown_base_seconds,
            cooldown_max_s=self.cooldown_max_seconds,
            quota_cooldown_s=self.quota_cooldown_seconds,
            first_token_timeout_s=self.first_token_timeout_seconds,
            target_timeout_s=self.target_timeout_seconds,
            max_dispatch_backlog=self.max_dispatch_backlog,
            first_byte_timeouts=dict(self.first_byte_timeouts),
            stall_timeout_s=self.stall_timeout_seconds,
        )


class AuthConfig(Group):
    """Dashboard login state; never served as is (it holds the hash)."""

    KEY: ClassVar[str] = "auth"
    require_login: bool = True
    password_hash: str = ""
    # True while the stored password is still INITIAL_PASSWORD.
    password_is_initial: bool = False


G = TypeVar("G", bound=Group)


async def load(session: AsyncSession, group: type[G]) -> G:
    row = await session.get(Setting, group.KEY)
    if row is None:
        return group()
    # Stored values were validated when written; a group that gained fields
    # since fills them with their defaults.
    return group.model_validate(row.value)


async def save(session: AsyncSession, value: Group) -> None:
    row = await session.get(Setting, value.KEY)
    data = value.model_dump(mode="json")
    if row is None:
        try:
            # In a savepoint: a concurrent first save of the same group may
            # insert the row before us (PostgreSQL does not serialise them).
            async with session.begin_nested():
                session.add(Setting(key=value.KEY, value=data))
            return
        except IntegrityError:
            row = await session.get(Setting, value.KEY, populate_existing=True)
            if row is None:
                raise
    row.value = data
