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
