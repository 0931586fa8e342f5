"""API keys and their budgets.

The original keeps each key in clear (with an unsalted SHA-256 beside it in
later releases); this gateway keeps only HMAC-SHA256(OMNIROUTE_SECRET_KEY,
key), so a key in clear becomes our HMAC and keeps working unchanged. A key
known only by its SHA-256 cannot: the edge authenticates by the HMAC of the
presented key, which the SHA-256 does not give.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from services.admin.original_import.plan import BudgetPlan, KeyPlan
from services.admin.original_import.providers import ProviderMap
from services.admin.original_import.records import OriginalBudget, OriginalData
from services.admin.original_import.report import Report

_SCOPE = re.compile(r"^[a-z][a-z0-9:_.-]{0,63}$")
_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
HASH_ONLY = (
    "the original holds only the key's SHA-256; this gateway authenticates "
    "HMAC-SHA256(OMNIROUTE_SECRET_KEY, key), which the SHA-256 cannot give, so "
    "the key cannot be carried over: migrate from a copy that has the key in "
    "clear (the original's storage.sqlite of 3.x has it) or issue a new key "
    "with POST /api/keys"
)


def parse_time(value: str) -> datetime | None:
    """An ISO-8601 time (the original writes ``...Z``) or epoch milliseconds."""
    value = value.strip()
    if not value:
        return None
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def map_keys(
    data: OriginalData, providers: ProviderMap, now: datetime, report: Report
) -> list[KeyPlan]:
    plans: list[KeyPlan] = []
    for key in data.keys:
        row = f"{key.name or '?'} ({key.id})"
        if not key.key:
            report.skip(
                "api_keys",
                row,
                HASH_ONLY
                if key.key_hash
                else "the source holds neither the key nor its hash (a masked listing)",
            )
            continue
        if not _KEY_ID.match(key.id):
            report.skip("api_keys", row, "its id is not usable here")
            continue
        scopes = sorted({s for s in key.scopes if _SCOPE.match(s)})
        if dropped := sorted(set(key.scopes) - set(scopes)):
            report.note("api_keys", row, f"scopes {dropped} are not scope names here")
        allowed = list(
            dict.fromkeys(providers.model(m.strip()) for m in key.allowed_models)
        )
        if patterns := [m for m in allowed if "*" in m]:
            report.note(
                "api_keys",
                row,
                f"allowed models {patterns} are patterns; this gateway matches "
                "exact names, so they allow nothing until replaced",
            )
        expires = parse_time(key.expires_at)
        revoked_at = parse_time(key.revoked_at)
        revoked = not key.active or revoked_at is not None
        if expires is not None and expires <= now:
            revoked, revoked_at = True, revoked_at or expires
        elif expires is not None:
            report.note(
                "api_keys",
                row,
                f"expires {key.expires_at} in the original; keys here do not "
                "expire (revoke it then: POST /api/keys/{id}/revoke)",
            )
        for column, value in key.unmapped.items():
            report.note(
                "api_keys", row, f"{column}={value!r} has no equivalent; not enforced"
            )
        plans.append(
            KeyPlan(
                id=key.id,
                name=key.name[:128],
                key=key.key,
                scopes=scopes,
                allowed_models=allowed,
                rpm_limit=max(0, min(10**7, key.max_requests_per_minute)),
                no_log=key.no_log,
                revoked=revoked,
                revoked_at=revoked_at,
                created_at=parse_time(key.created_at),
            )
        )
    return plans


_PERIODS = ("daily", "weekly", "monthly")


def _limits(budget: OriginalBudget) -> dict[str, float]:
    values = {"daily": budget.daily, "weekly": budget.weekly, "monthly": budget.monthly}
    return {p: v for p, v in values.items() if v > 0}


def map_budgets(
    data: OriginalData, key_ids: set[str], report: Report
) -> list[BudgetPlan]:
    """One limit per key here: the one of the original's reset interval when
    set, else the shortest period with a limit."""
    plans: list[BudgetPlan] = []
    for budget in data.budgets:
        row = budget.key_id
        if budget.key_id not in key_ids:
            report.skip("budgets", row, "its API key was not imported")
            continue
        limits = _limits(budget)
        if not limits:
            report.skip("budgets", row, "no limit set (0 means none)")
            continue
        period = (
            budget.reset_interval
            if budget.reset_interval in limits
            else next(p for p in _PERIODS if p in limits)
        )
        limit = min(limits[period], 10**9)
        for other, value in limits.items():
            if other != period:
                report.note(
                    "budgets",
                    row,
                    f"the {other} limit of {value} USD is not kept: one limit per "
                    f"key here (the {period} one)",
                )
        if budget.reset_time not in ("", "00:00"):
            report.note(
                "budgets",
                row,
                f"reset time {budget.reset_time}: periods here start at 00:00 UTC",
            )
        plans.append(
            BudgetPlan(
                key_id=budget.key_id,
                limit_usd=limit,
                period=period,
                warning_threshold=max(0.0, min(1.0, budget.warning_threshold)),
            )
        )
    return plans
