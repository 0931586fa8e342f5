"""The original OmniRoute's rows, as read from any of its export forms.

Column names follow its SQLite schema (``src/lib/db/migrations``); its JSON
export spells the same fields in camelCase, and ``Row`` reads either.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


class Row:
    """One row of the original, by its snake_case column name or camelCase key."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def raw(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        head, *rest = name.split("_")
        return self._values.get(head + "".join(p.title() for p in rest))

    def text(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        return default if value is None else str(value)

    def integer(self, name: str, default: int = 0) -> int:
        value = self.raw(name)
        try:
            return int(value) if value is not None and value != "" else default
        except (TypeError, ValueError):
            return default

    def number(self, name: str, default: float = 0.0) -> float:
        value = self.raw(name)
        try:
            return float(value) if value is not None and value != "" else default
        except (TypeError, ValueError):
            return default

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        return value in (True, 1, "1", "true")

    def decoded(self, name: str) -> Any:
        """A JSON column (SQLite keeps text; the JSON export has it parsed)."""
        value = self.raw(name)
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else None
            except ValueError:
                return None
        return value


@dataclass(frozen=True, slots=True)
class Connection:
    """``provider_connections``: one credential for one provider or node."""

    id: str
    provider: str
    auth_type: str
    name: str
    priority: int
    active: bool
    # As stored: plaintext, ``enc:v1:...`` or empty.
    api_key: str
    specific: dict[str, Any]
    default_model: str
    # Set fields this gateway has no equivalent for, by column name.
    unmapped: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Node:
    """``provider_nodes``: a custom OpenAI- or Anthropic-compatible endpoint."""

    id: str
    type: str
    name: str
    prefix: str
    api_type: str
    base_url: str
    chat_path: str
    models_path: str


@dataclass(frozen=True, slots=True)
class OriginalKey:
    """``api_keys``: the key in clear (3.x), or only its unsalted SHA-256."""

    id: str
    name: str
    key: str
    key_hash: str
    allowed_models: list[str]
    no_log: bool
    active: bool
    revoked_at: str
    expires_at: str
    scopes: list[str]
    max_requests_per_minute: int
    created_at: str
    unmapped: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OriginalCombo:
    id: str
    name: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OriginalBudget:
    """``domain_budgets``: USD limits of one key (0: none)."""

    key_id: str
    daily: float
    weekly: float
    monthly: float
    warning_threshold: float
    reset_interval: str
    reset_time: str


@dataclass(frozen=True, slots=True)
class UsageRow:
    """``usage_history``: one upstream call."""

    id: int
    provider: str
    model: str
    connection_id: str
    api_key_id: str
    tokens_input: int
    tokens_output: int
    tokens_cache_read: int
    tokens_cache_creation: int
    tokens_reasoning: int
    status: str
    success: bool
    latency_ms: float
    ttft_ms: float
    error_code: str
    timestamp: str


@dataclass(frozen=True, slots=True)
class Leftover:
    """Rows of a table or namespace that no mapping takes."""

    what: str
    rows: int
    reason: str


def _no_usage(_size: int) -> Iterator[list[UsageRow]]:
    return iter(())


@dataclass
class OriginalData:
    """Everything read from one source, before any mapping."""

    origin: str
    connections: list[Connection] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    keys: list[OriginalKey] = field(default_factory=list)
    combos: list[OriginalCombo] = field(default_factory=list)
    # alias -> target, from the modelAliases namespace and settings.modelAliases.
    aliases: dict[str, str] = field(default_factory=dict)
    # provider -> model -> {input, output, cached, reasoning, cache_creation}
    pricing: dict[str, dict[str, Any]] = field(default_factory=dict)
    # provider -> [{id, name, apiFormat, ...}]
    custom_models: dict[str, list[Any]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    # The databaseSettings namespace (its cache switches have an equivalent).
    database_settings: dict[str, Any] = field(default_factory=dict)
    # The proxyConfig namespace: global, providers, combos, keys.
    proxy: dict[str, Any] = field(default_factory=dict)
    budgets: list[OriginalBudget] = field(default_factory=list)
    usage_count: int = 0
    # Batches of usage rows, read lazily (a history may be large).
    usage_batches: Callable[[int], Iterator[list[UsageRow]]] = _no_usage
    leftovers: list[Leftover] = field(default_factory=list)


_KEY_COLUMNS_UNMAPPED = (
    "max_requests_per_day",
    "max_sessions",
    "ip_allowlist",
    "allowed_connections",
    "access_schedule",
    "auto_resolve",
    "is_banned",
    "blocked_models",
    "allowed_combos",
    "allowed_endpoints",
    "throttle_delay_ms",
    "rate_limits",
    "usage_limit_enabled",
    "daily_usage_limit_usd",
    "weekly_usage_limit_usd",
    "chaos_mode_enabled",
    "proxy_id",
)
_CONNECTION_COLUMNS_UNMAPPED = (
    "global_priority",
    "max_concurrent",
    "rate_limit_protection",
    "group",
)


def _meaningful(value: Any) -> bool:
    return value not in (None, "", 0, False, [], {}, "[]", "{}", "null", "0")


def _unmapped(row: Row, columns: tuple[str, ...]) -> dict[str, Any]:
    return {
        name: value
        for name in columns
        if _meaningful(value := row.decoded(name) if row.raw(name) else None)
    }


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v) for v in value if isinstance(v, str) and v.strip()]


def connection_of(row: Row) -> Connection:
    specific = row.decoded("provider_specific_data")
    return Connection(
        id=row.text("id"),
        provider=row.text("provider"),
        auth_type=row.text("auth_type", "apikey") or "apikey",
        name=row.text("name") or row.text("display_name") or row.text("email"),
        priority=row.integer("priority", 1),
        active=row.flag("is_active", True),
        api_key=row.text("api_key"),
        specific=specific if isinstance(specific, dict) else {},
        default_model=row.text("default_model"),
        unmapped=_unmapped(row, _CONNECTION_COLUMNS_UNMAPPED),
    )


def node_of(row: Row) -> Node:
    return Node(
        id=row.text("id"),
        type=row.text("type", "openai-compatible"),
        name=row.text("name"),
        prefix=row.text("prefix"),
        api_type=row.text("api_type") or "chat",
        base_url=row.text("base_url"),
        chat_path=row.text("chat_path"),
        models_path=row.text("models_path"),
    )


def key_of(row: Row) -> OriginalKey:
    key = row.text("key")
    if "****" in key:  # a masked listing, not the key
        key = ""
    return OriginalKey(
        id=row.text("id"),
        name=row.text("name"),
        key=key,
        key_hash=row.text("key_hash"),
        allowed_models=_strings(row.decoded("allowed_models")),
        no_log=row.flag("no_log"),
        active=row.flag("is_active", True),
        revoked_at=row.text("revoked_at"),
        expires_at=row.text("expires_at"),
        scopes=_strings(row.decoded("scopes")),
        max_requests_per_minute=row.integer("max_requests_per_minute"),
        created_at=row.text("created_at"),
        unmapped=_unmapped(row, _KEY_COLUMNS_UNMAPPED),
    )


def budget_of(row: Row) -> OriginalBudget:
    return OriginalBudget(
        key_id=row.text("api_key_id"),
        daily=row.number("daily_limit_usd"),
        weekly=row.number("weekly_limit_usd"),
        monthly=row.number("monthly_limit_usd"),
        warning_threshold=row.number("warning_threshold", 0.8),
        reset_interval=row.text("reset_interval", "daily") or "daily",
        reset_time=row.text("reset_time", "00:00") or "00:00",
    )


def usage_of(row: Row) -> UsageRow:
    return UsageRow(
        id=row.integer("id"),
        provider=row.text("provider"),
        model=row.text("model"),
        connection_id=row.text("connection_id"),
        api_key_id=row.text("api_key_id"),
        tokens_input=row.integer("tokens_input"),
        tokens_output=row.integer("tokens_output"),
        tokens_cache_read=row.integer("tokens_cache_read"),
        tokens_cache_creation=row.integer("tokens_cache_creation"),
        tokens_reasoning=row.integer("tokens_reasoning"),
        status=row.text("status"),
        success=row.flag("success", True),
        latency_ms=row.number("latency_ms"),
        ttft_ms=row.number("ttft_ms"),
        error_code=row.text("error_code"),
        timestamp=row.text("timestamp"),
    )


def combo_of(row: Row) -> OriginalCombo:
    data = row.decoded("data")
    if not isinstance(data, dict):  # the JSON export has the combo itself
        data = row.as_dict()
    name = row.text("name") or str(data.get("name") or "")
    return OriginalCombo(id=row.text("id"), name=name, data=data)
