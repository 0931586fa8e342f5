"""Usage aggregation over ``usage_log``: history buckets, budgets, latency.

Buckets and sums run in SQL (one GROUP BY, dialect-specific only in how a
timestamp is truncated); percentiles are computed in Python so SQLite and
PostgreSQL give the same numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.admin.db.models import UsageRecord

Bucket = Literal["hour", "day"]
GroupBy = Literal["none", "provider", "model", "key", "account"]
Period = Literal["daily", "weekly", "monthly"]
# Telemetry reads at most this many rows: a window is a view, not a dump.
MAX_LATENCY_SAMPLES = 200_000

_GROUP_COLUMNS = {
    "provider": UsageRecord.provider_id,
    "model": UsageRecord.model,
    "key": UsageRecord.api_key_id,
    "account": UsageRecord.account_id,
}


def utc(value: datetime) -> datetime:
    """Every datetime compared with the table is UTC (SQLite stores wall time)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _bucket_expr(dialect: str, bucket: Bucket) -> ColumnElement[str]:
    column = UsageRecord.timestamp
    if dialect == "postgresql":
        pattern = 'YYYY-MM-DD"T"HH24:00:00' if bucket == "hour" else "YYYY-MM-DD"
        return func.to_char(func.timezone("UTC", column), pattern)
    pattern = "%Y-%m-%dT%H:00:00" if bucket == "hour" else "%Y-%m-%d"
    return func.strftime(pattern, column)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def history(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    bucket: Bucket,
    group_by: GroupBy,
    api_key_id: str | None = None,
    provider: str | None = None,
    account_id: str | None = None,
) -> list[dict[str, Any]]:
    """One row per (bucket, group): requests, errors, tokens, cost, latency
    (average and p50/p95/p99)."""
    conditions = _filters(since, until, api_key_id, provider, account_id)
    period = _bucket_expr(_dialect(session), bucket).label("bucket")
    group = (
        _GROUP_COLUMNS[group_by].label("group")
        if group_by != "none"
        else literal("").label("group")
    )
    query = (
        select(
            period,
            group,
            func.count().label("requests"),
            func.sum(case((UsageRecord.status >= 400, 1), else_=0)).label("errors"),
            func.sum(UsageRecord.prompt_tokens).label("prompt_tokens"),
            func.sum(UsageRecord.completion_tokens).label("completion_tokens"),
            func.sum(UsageRecord.total_tokens).label("total_tokens"),
            func.sum(func.coalesce(UsageRecord.cost_usd, 0.0)).label("cost"),
            func.avg(UsageRecord.latency_ms).label("avg_latency"),
        )
        .where(*conditions)
        .group_by(period, group)
        .order_by(period, group)
    )
    rows = (await session.execute(query)).all()
    spread = await _bucket_percentiles(session, period, group, conditions)
    return [
        {
            "bucket": row.bucket,
            **({group_by: row.group} if group_by != "none" else {}),
            "requests": int(row.requests),
            "errors": int(row.errors or 0),
            "promptTokens": int(row.prompt_tokens or 0),
            "completionTokens": int(row.completion_tokens or 0),
            "totalTokens": int(row.total_tokens or 0),
            "costUsd": round(float(row.cost or 0.0), 6),
            "avgLatencyMs": round(float(row.avg_latency or 0.0), 1),
            **spread.get((row.bucket, row.group), {}),
        }
        for row in rows
    ]


def _filters(
    since: datetime,
    until: datetime,
    api_key_id: str | None,
    provider: str | None,
    account_id: str | None,
) -> list[ColumnElement[bool]]:
    conditions = [
        UsageRecord.timestamp >= utc(since),
        UsageRecord.timestamp < utc(until),
    ]
    if api_key_id:
        conditions.append(UsageRecord.api_key_id == api_key_id)
    if provider:
        conditions.append(UsageRecord.provider_id == provider)
    if account_id:
        conditions.append(UsageRecord.account_id == account_id)
    return conditions


async def _bucket_percentiles(
    session: AsyncSession,
    period: Any,
    group: Any,
    conditions: Sequence[ColumnElement[bool]],
) -> dict[tuple[str, str], dict[str, float]]:
    """p50/p95/p99 latency per (bucket, group), from the most recent rows."""
    rows = await session.execute(
        select(period, group, UsageRecord.latency_ms)
        .where(*conditions)
        .order_by(UsageRecord.timestamp.desc())
        .limit(MAX_LATENCY_SAMPLES)
    )
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    for bucket, name, latency in rows.all():
        samples[(bucket, name)].append(float(latency))
    spread: dict[tuple[str, str], dict[str, float]] = {}
    for key, values in samples.items():
        values.sort()
        spread[key] = {
            "p50Ms": round(percentile(values, 0.50), 1),
            "p95Ms": round(percentile(values, 0.95), 1),
            "p99Ms": round(percentile(values, 0.99), 1),
        }
    return spread


async def totals(
    session: AsyncSession, since: datetime, until: datetime, *conditions: Any
) -> dict[str, Any]:
    row = (
        await session.execute(
            select(
                func.count().label("requests"),
                func.sum(case((UsageRecord.status >= 400, 1), else_=0)).label("errors"),
                func.sum(UsageRecord.total_tokens).label("tokens"),
                func.sum(func.coalesce(UsageRecord.cost_usd, 0.0)).label("cost"),
            ).where(
                UsageRecord.timestamp >= utc(since),
                UsageRecord.timestamp < utc(until),
                *conditions,
            )
        )
    ).one()
    return {
        "requests": int(row.requests or 0),
        "errors": int(row.errors or 0),
        "totalTokens": int(row.tokens or 0),
        "costUsd": round(float(row.cost or 0.0), 6),
    }


async def spent(
    session: AsyncSession, key_ids: Sequence[str], since: datetime
) -> dict[str, float]:
    """USD spent per key since ``since`` (unpriced requests count 0)."""
    if not key_ids:
        return {}
    rows = await session.execute(
        select(UsageRecord.api_key_id, func.sum(UsageRecord.cost_usd))
        .where(
            UsageRecord.api_key_id.in_(list(key_ids)),
            UsageRecord.timestamp >= utc(since),
            UsageRecord.cost_usd.is_not(None),
        )
        .group_by(UsageRecord.api_key_id)
    )
    return {key: float(total or 0.0) for key, total in rows.all()}


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (NumPy's default)."""
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def latency_summary(
    session: AsyncSession, since: datetime
) -> dict[str, dict[str, float | int]]:
    rows = await session.execute(
        select(UsageRecord.provider_id, UsageRecord.latency_ms)
        .where(UsageRecord.timestamp >= utc(since))
        .order_by(UsageRecord.timestamp.desc())
        .limit(MAX_LATENCY_SAMPLES)
    )
    samples: dict[str, list[float]] = defaultdict(list)
    for provider, latency in rows.all():
        samples[provider or "(none)"].append(float(latency))
    summary: dict[str, dict[str, float | int]] = {}
    for provider, values in sorted(samples.items()):
        values.sort()
        summary[provider] = {
            "p50": round(percentile(values, 0.50), 1),
            "p95": round(percentile(values, 0.95), 1),
            "p99": round(percentile(values, 0.99), 1),
            "count": len(values),
        }
    return summary


async def original_summary(
    session: AsyncSession, since: datetime, until: datetime
) -> dict[str, Any]:
    """The window's usage as the original OmniRoute's ``/api/usage/history``
    sums it: totals, and requests, tokens and cost by provider, model,
    account (its "connection") and API key."""
    summary: dict[str, Any] = {}
    everything = {"total": literal("total")}
    by_name = {
        "byProvider": UsageRecord.provider_id,
        "byModel": UsageRecord.model,
        "byAccount": UsageRecord.account_id,
        "byApiKey": UsageRecord.api_key_id,
    }
    for name, column in (everything | by_name).items():
        rows = await session.execute(
            select(
                column.label("name"),
                func.count().label("requests"),
                func.sum(UsageRecord.prompt_tokens).label("prompt"),
                func.sum(UsageRecord.completion_tokens).label("completion"),
                func.sum(func.coalesce(UsageRecord.cost_usd, 0.0)).label("cost"),
            )
            .where(
                UsageRecord.timestamp >= utc(since), UsageRecord.timestamp < utc(until)
            )
            .group_by(column)
        )
        summary[name] = {
            str(row.name): {
                "requests": int(row.requests or 0),
                "promptTokens": int(row.prompt or 0),
                "completionTokens": int(row.completion or 0),
                "cost": round(float(row.cost or 0.0), 6),
            }
            for row in rows
        }
    total = summary.pop("total").get("total", {})
    return {
        "totalRequests": total.get("requests", 0),
        "totalPromptTokens": total.get("promptTokens", 0),
        "totalCompletionTokens": total.get("completionTokens", 0),
        "totalCost": total.get("cost", 0.0),
        **summary,
    }
