"""The original's settings that have an equivalent group here.

Settings rows of the original hold only what was changed from its defaults
(its API merges the defaults in), so every row not mapped is reported. Each
planned group is a partial update: fields not named keep their value here.
"""

from __future__ import annotations

from typing import Any, get_args

from services.admin import gateway_config as gc
from services.admin.original_import.providers import ProviderMap
from services.admin.original_import.records import Leftover, OriginalData
from services.admin.original_import.report import Report

# The original's own state, not configuration.
BOOKKEEPING = frozenset(
    {
        "setupComplete",
        "codexConnectionDefaultsMigrationV1",
        "provider_limits_auto_sync_last_run",
        "call_log_pipeline_enabled",
        "onboardingComplete",
        "lastSeenVersion",
    }
)
ACCOUNT_STRATEGIES = frozenset(get_args(gc.AccountStrategy))
_DAY_SECONDS = 86_400
PROXY = "proxy"


def _account_strategy(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return (
        "least-used"
        if text == "usage"
        else text
        if text in ACCOUNT_STRATEGIES
        else None
    )


class _Settings:
    def __init__(self, providers: ProviderMap, report: Report) -> None:
        self.groups: dict[str, dict[str, Any]] = {}
        self.providers = providers
        self.report = report
        self.unmapped: list[str] = []

    def put(self, group: str, **values: Any) -> None:
        self.groups.setdefault(group, {}).update(values)

    def skip(self, key: str, reason: str) -> None:
        self.report.skip("settings", key, reason)

    def take(self, key: str, value: Any) -> None:
        handlers = {
            "requireLogin": self.require_login,
            "password": self.password,
            "fallbackStrategy": self.fallback_strategy,
            "providerStrategies": self.provider_strategies,
            "sessionAffinityTtlMs": self.session_affinity,
            "comboDefaults": self.combo_defaults,
            "thinkingBudget": self.thinking_budget,
            "systemPrompt": self.system_prompt,
            "ipFilter": self.ip_filter,
        }
        handler = handlers.get(key)
        if handler is None:
            self.unmapped.append(key)
        else:
            handler(value)

    def require_login(self, value: Any) -> None:
        self.put(gc.AuthConfig.KEY, require_login=bool(value))

    def password(self, _value: Any) -> None:
        self.skip(
            "password",
            "the dashboard password is an argon2/bcrypt hash of the original; "
            "this gateway verifies scrypt hashes only: set INITIAL_PASSWORD or "
            "change the password after signing in",
        )

    def fallback_strategy(self, value: Any) -> None:
        strategy = _account_strategy(value)
        if strategy is None:
            self.skip(
                "fallbackStrategy",
                f"account strategy '{value}' has no equivalent (one of "
                + ", ".join(sorted(ACCOUNT_STRATEGIES))
                + ")",
            )
            return
        self.put(gc.RoutingConfig.KEY, account_strategy=strategy)

    def provider_strategies(self, value: Any) -> None:
        if not isinstance(value, dict):
            return
        kept: dict[str, str] = {}
        for provider, raw in value.items():
            strategy = _account_strategy(
                raw.get("fallbackStrategy") if isinstance(raw, dict) else raw
            )
            ours = self.providers.of(str(provider)) or str(provider)
            if strategy is None:
                self.skip(
                    f"providerStrategies.{provider}",
                    f"strategy {raw!r} has no equivalent",
                )
            else:
                kept[ours] = strategy
        if kept:
            self.put(gc.RoutingConfig.KEY, provider_account_strategies=kept)

    def session_affinity(self, value: Any) -> None:
        try:
            seconds = max(0, min(7 * _DAY_SECONDS, int(value) // 1000))
        except (TypeError, ValueError):
            return
        self.put(gc.RoutingConfig.KEY, session_ttl_seconds=seconds)

    def combo_defaults(self, value: Any) -> None:
        if not isinstance(value, dict):
            return
        depth = value.get("maxComboDepth")
        if isinstance(depth, int) and 1 <= depth <= 10:
            self.put(gc.RoutingConfig.KEY, max_combo_depth=depth)
        others = sorted(k for k in value if k not in ("maxComboDepth", "strategy"))
        if others:
            self.skip(
                "comboDefaults",
                f"{others}: retries and timeouts are gateway-wide here "
                "(PUT /api/resilience)",
            )

    def thinking_budget(self, value: Any) -> None:
        if not isinstance(value, dict):
            return
        mode = str(value.get("mode") or "passthrough")
        if mode not in ("passthrough", "custom"):
            self.skip("thinkingBudget", f"mode '{mode}' has no equivalent here")
            return
        budget = value.get("customBudget", 10_240)
        self.put(
            gc.ThinkingBudgetConfig.KEY,
            mode=mode,
            custom_budget=int(budget) if isinstance(budget, int | float) else 10_240,
        )

    def system_prompt(self, value: Any) -> None:
        if not isinstance(value, dict):
            return
        self.put(
            gc.SystemPromptConfig.KEY,
            enabled=bool(value.get("enabled")),
            prefix=str(value.get("prefixPrompt") or value.get("prefix") or ""),
            # The original's legacy ``prompt`` is a suffix.
            suffix=str(
                value.get("suffixPrompt")
                or value.get("suffix")
                or value.get("prompt")
                or ""
            ),
        )

    def ip_filter(self, value: Any) -> None:
        if not isinstance(value, dict):
            return
        self.put(
            gc.IpFilterConfig.KEY,
            enabled=bool(value.get("enabled")),
            mode="whitelist" if value.get("mode") == "whitelist" else "blacklist",
            blacklist=[str(v) for v in value.get("blacklist") or []],
            whitelist=[str(v) for v in value.get("whitelist") or []],
        )


def _cache(data: OriginalData, settings: _Settings) -> None:
    # The original's "semantic" cache is an exact hash of the request
    # (reference §3.1): this gateway's exact cache is its equivalent.
    values = data.database_settings
    if "semanticCacheEnabled" in values:
        settings.put(
            gc.CacheConfig.KEY, exact_enabled=bool(values["semanticCacheEnabled"])
        )
    ttl = values.get("semanticCacheTTL")
    if isinstance(ttl, int | float) and ttl >= 1000:
        settings.put(
            gc.CacheConfig.KEY, ttl_seconds=min(30 * _DAY_SECONDS, int(ttl) // 1000)
        )
    rest = [k for k in values if k not in ("semanticCacheEnabled", "semanticCacheTTL")]
    if rest:
        data.leftovers.append(
            Leftover(
                "key_value databaseSettings",
                len(rest),
                "the original's SQLite maintenance, retention and prompt-cache "
                "tuning; no equivalent",
            )
        )


def _proxy(data: OriginalData, settings: _Settings) -> None:
    proxy = data.proxy.get("global")
    if isinstance(proxy, dict) and proxy.get("host"):
        scheme = str(proxy.get("type") or "http").lower()
        if scheme not in ("http", "https"):
            settings.skip(
                "proxyConfig.global", f"a {scheme} proxy: only HTTP(S) proxies here"
            )
        else:
            user, password = (
                str(proxy.get("username") or ""),
                str(proxy.get("password") or ""),
            )
            credentials = f"{user}:{password}@" if user else ""
            port = f":{proxy['port']}" if proxy.get("port") else ""
            settings.put(
                PROXY,
                url=f"{scheme}://{credentials}{proxy['host']}{port}",
                enabled=True,
            )
    for level in ("providers", "combos", "keys"):
        if data.proxy.get(level):
            settings.skip(
                f"proxyConfig.{level}",
                f"per-{level[:-1]} proxies: one gateway-wide proxy here",
            )


def map_settings(
    data: OriginalData, providers: ProviderMap, report: Report
) -> dict[str, dict[str, Any]]:
    """Group row key -> fields to set (``proxy`` carries the URL in clear;
    the writer seals it)."""
    settings = _Settings(providers, report)
    bookkeeping = [k for k in data.settings if k in BOOKKEEPING or "Migration" in k]
    for key, value in data.settings.items():
        if key not in bookkeeping:
            settings.take(key, value)
    _cache(data, settings)
    _proxy(data, settings)
    if settings.unmapped:
        report.skip(
            "settings",
            ", ".join(sorted(settings.unmapped)),
            "no equivalent setting here",
        )
    if bookkeeping:
        data.leftovers.append(
            Leftover(
                "settings (" + ", ".join(sorted(bookkeeping)) + ")",
                len(bookkeeping),
                "the original's own bookkeeping, not configuration",
            )
        )
    return settings.groups
