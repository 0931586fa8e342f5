"""Our rows, as the mappings decide them and the writer stores them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AccountPlan:
    id: str
    name: str
    credential: str
    priority: int
    enabled: bool


@dataclass
class ProviderPlan:
    id: str
    kind: str
    format: str
    base_url: str
    display_name: str
    source: str
    models: list[str] = field(default_factory=list)
    embedding_models: list[str] = field(default_factory=list)
    image_models: list[str] = field(default_factory=list)
    transcription_models: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    accounts: list[AccountPlan] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CustomModelPlan:
    provider_id: str
    model_id: str
    name: str
    api_format: str


@dataclass(frozen=True, slots=True)
class KeyPlan:
    id: str
    name: str
    key: str
    scopes: list[str]
    allowed_models: list[str]
    rpm_limit: int
    no_log: bool
    revoked: bool
    revoked_at: datetime | None
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class ComboPlan:
    name: str
    strategy: str
    members: list[dict[str, Any]]
    description: str


@dataclass(frozen=True, slots=True)
class AliasPlan:
    alias: str
    target: str


@dataclass(frozen=True, slots=True)
class PricePlan:
    provider: str
    model: str
    input: float
    output: float
    cached_input: float


@dataclass(frozen=True, slots=True)
class BudgetPlan:
    key_id: str
    limit_usd: float
    period: str
    warning_threshold: float


@dataclass
class Plan:
    providers: list[ProviderPlan] = field(default_factory=list)
    custom_models: list[CustomModelPlan] = field(default_factory=list)
    keys: list[KeyPlan] = field(default_factory=list)
    combos: list[ComboPlan] = field(default_factory=list)
    aliases: list[AliasPlan] = field(default_factory=list)
    prices: list[PricePlan] = field(default_factory=list)
    # Settings group (its row key) -> the fields to set.
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    budgets: list[BudgetPlan] = field(default_factory=list)
