"""``/api/usage/*``: what was asked, of whom, at what cost."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select

from omniroute.errors import BadRequest, NotFound
from services.admin import usage_stats
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import UsageRecord
from services.admin.logins import aware, now

router = APIRouter(prefix="/api/usage", tags=["usage"])
MAX_RANGE = timedelta(days=400)


class UsageLogEntry(BaseModel):
    request_id: str
    timestamp: datetime
    api_key_id: str
    endpoint: str
    client_format: str
    requested_model: str
    provider: str
    account: str
    model: str
    kind: str
    status: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float | None
    latency_ms: float
    upstream_latency_ms: float
    ttft_ms: float
    stream: bool
    cache: str
    fallbacks: int
    error: str


class UsageLogPage(BaseModel):
    total: int
    limit: int
    offset: int
    entries: list[UsageLogEntry]


class RequestLogEntry(UsageLogEntry):
    session_id: str
    cached_tokens: int
    cache_creation_tokens: int
    cache_creation_1h_tokens: int
    cache_saved_usd: float
    reasoning_tokens: int
    # Upstream calls made, and those interrupted by an executor that died
    # (the request was taken over and run again; cost_usd counts them).
    attempts: int
    interrupted_calls: int
    # What the gateway itself added on top of the provider's time.
    gateway_ms: float


class RequestLogPage(BaseModel):
    total: int
    limit: int
    offset: int
    entries: list[RequestLogEntry]


def _entry(r: UsageRecord) -> dict[str, Any]:
    return {
        "request_id": r.request_id,
        "timestamp": aware(r.timestamp),
        "api_key_id": r.api_key_id,
        "endpoint": r.endpoint,
        "client_format": r.client_format,
        "requested_model": r.requested_model,
        "provider": r.provider_id,
        "account": r.account_id,
        "model": r.model,
        "kind": r.kind,
        "status": r.status,
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "total_tokens": r.total_tokens,
        "cost_usd": r.cost_usd,
        "latency_ms": r.latency_ms,
        "upstream_latency_ms": r.upstream_latency_ms,
        "ttft_ms": r.ttft_ms,
        "stream": r.stream,
        "cache": r.cache,
        "fallbacks": r.fallbacks,
        "error": r.error_message,
    }


def _filtered(
    provider: str | None,
    api_key_id: str | None,
    model: str | None,
    status: int | None,
    errors_only: bool,
    since: datetime | None,
    until: datetime | None,
    min_cost: float | None,
    max_cost: float | None,
) -> Select[UsageRecord]:
    query = select(UsageRecord)
    if provider:
        query = query.where(UsageRecord.provider_id == provider)
    if api_key_id:
        query = query.where(UsageRecord.api_key_id == api_key_id)
    if model:
        query = query.where(UsageRecord.model == model)
    if status is not None:
        query = query.where(UsageRecord.status == status)
    if errors_only:
        query = query.where(UsageRecord.status >= 400)
    if since is not None:
        query = query.where(UsageRecord.timestamp >= usage_stats.utc(since))
    if until is not None:
        query = query.where(UsageRecord.timestamp < usage_stats.utc(until))
    if min_cost is not None:
        query = query.where(UsageRecord.cost_usd >= min_cost)
    if max_cost is not None:
        query = query.where(UsageRecord.cost_usd <= max_cost)
    return query


def newest_first(
    query: Select[UsageRecord], limit: int, offset: int
) -> Select[UsageRecord]:
    """One page of ``query``, newest request first."""
    return (
        query.order_by(UsageRecord.timestamp.desc(), UsageRecord.id.desc())
        .limit(limit)
        .offset(offset)
    )


Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Cost = Annotated[float | None, Query(ge=0, le=1e9)]
Status = Annotated[int | None, Query(ge=100, le=599)]
Name = Annotated[str | None, Query(max_length=256)]


@router.get("/logs")
async def usage_logs(
    ctx: Ctx,
    _: Admin,
    limit: Limit = 100,
    offset: Offset = 0,
    provider: Name = None,
    api_key_id: Name = None,
    model: Name = None,
    status: Status = None,
    errors_only: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    min_cost: Cost = None,
    max_cost: Cost = None,
) -> UsageLogPage:
    """Recorded requests, newest first, with filters."""
    query = _filtered(
        provider,
        api_key_id,
        model,
        status,
        errors_only,
        since,
        until,
        min_cost,
        max_cost,
    )
    async with ctx.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await session.scalars(newest_first(query, limit, offset))
        entries = [UsageLogEntry(**_entry(r)) for r in rows]
    return UsageLogPage(total=total or 0, limit=limit, offset=offset, entries=entries)


@router.get("/request-logs")
async def request_logs(
    ctx: Ctx,
    _: Admin,
    limit: Limit = 100,
    offset: Offset = 0,
    request_id: Name = None,
    session_id: Name = None,
    provider: Name = None,
    api_key_id: Name = None,
    model: Name = None,
    status: Status = None,
    errors_only: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
) -> RequestLogPage:
    """Per-request detail: error, fallbacks, cache, session and the latency
    breakdown (total, upstream, first token, gateway overhead)."""
    query = _filtered(
        provider, api_key_id, model, status, errors_only, since, until, None, None
    )
    if request_id:
        query = query.where(UsageRecord.request_id == request_id)
    if session_id:
        query = query.where(UsageRecord.session_id == session_id)
    async with ctx.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await session.scalars(newest_first(query, limit, offset))
        entries = [
            RequestLogEntry(
                **_entry(r),
                session_id=r.session_id,
                cached_tokens=r.cached_tokens,
                cache_creation_tokens=r.cache_creation_tokens,
                cache_creation_1h_tokens=r.cache_creation_1h_tokens,
                cache_saved_usd=r.cache_saved_usd,
                reasoning_tokens=r.reasoning_tokens,
                attempts=r.attempts,
                interrupted_calls=r.interrupted_calls,
                gateway_ms=round(max(0.0, r.latency_ms - r.upstream_latency_ms), 3),
            )
            for r in rows
        ]
    return RequestLogPage(total=total or 0, limit=limit, offset=offset, entries=entries)


def call_log_row(r: UsageRecord) -> dict[str, Any]:
    """A usage row as the original OmniRoute's call log lists it."""
    return {
        "id": r.request_id,
        "timestamp": aware(r.timestamp).isoformat(),
        "method": "POST",
        "path": r.endpoint,
        "status": r.status,
        "model": r.model,
        "requestedModel": r.requested_model,
        "provider": r.provider_id,
        "account": r.account_id,
        "connectionId": r.account_id,
        "duration": round(r.latency_ms),
        "tokens": {
            "in": r.prompt_tokens,
            "out": r.completion_tokens,
            "cacheRead": r.cached_tokens,
            # The original has no field for cache writes; ours sit beside.
            "cacheCreation": r.cache_creation_tokens,
            "cacheCreation1h": r.cache_creation_1h_tokens,
            "reasoning": r.reasoning_tokens,
        },
        "sourceFormat": r.client_format,
        "apiKeyId": r.api_key_id,
        "costUsd": r.cost_usd,
        "cacheSavedUsd": r.cache_saved_usd,
        # Ours: upstream calls, and those a dying executor interrupted.
        "attempts": r.attempts,
        "interruptedCalls": r.interrupted_calls,
        "error": r.error_message or None,
        # Prompts and answers are never stored here.
        "hasRequestBody": False,
        "hasResponseBody": False,
    }


@router.get("/call-logs")
async def call_logs(
    ctx: Ctx,
    _: Admin,
    limit: Limit = 100,
    offset: Offset = 0,
    provider: Name = None,
    api_key_id: Annotated[str | None, Query(alias="apiKeyId", max_length=256)] = None,
    model: Name = None,
    status: Status = None,
) -> list[dict[str, Any]]:
    """The request log as the original OmniRoute's call log: a list of
    rows, newest first (``/request-logs`` has every field, paged)."""
    query = _filtered(
        provider, api_key_id, model, status, False, None, None, None, None
    )
    async with ctx.sessions() as session:
        rows = await session.scalars(newest_first(query, limit, offset))
        return [call_log_row(r) for r in rows]


@router.get("/call-logs/{request_id}")
async def call_log(ctx: Ctx, request_id: str, _: Admin) -> dict[str, Any]:
    """One request of the call log, by its request id."""
    async with ctx.sessions() as session:
        row = await session.scalar(
            select(UsageRecord).where(UsageRecord.request_id == request_id)
        )
    if row is None:
        raise NotFound(f"no request '{request_id}' in the log", code="not_found")
    return call_log_row(row)


def _range(
    since: datetime | None, until: datetime | None, default: timedelta
) -> tuple[datetime, datetime]:
    end = usage_stats.utc(until) if until else now()
    start = usage_stats.utc(since) if since else end - default
    if start >= end:
        raise BadRequest("since: must be before until", param="since")
    if end - start > MAX_RANGE:
        raise BadRequest("since: the range is at most 400 days", param="since")
    return start, end


@router.get("/history")
async def usage_history(
    ctx: Ctx,
    _: Admin,
    since: datetime | None = None,
    until: datetime | None = None,
    bucket: usage_stats.Bucket = "day",
    group_by: usage_stats.GroupBy = "none",
    api_key_id: Name = None,
    provider: Name = None,
) -> dict[str, Any]:
    """Requests, errors, tokens, cost and latency per hour or day (UTC),
    optionally per provider, model, key or account. Default: the last 30 days
    by day (7 days by hour). The original OmniRoute's sums of the window
    (``totalRequests``, ``byProvider``, ``byModel``...) come with it."""
    default = timedelta(days=7 if bucket == "hour" else 30)
    start, end = _range(since, until, default)
    async with ctx.sessions() as session:
        rows = await usage_stats.history(
            session, start, end, bucket, group_by, api_key_id, provider
        )
        total = await usage_stats.totals(session, start, end)
        original = await usage_stats.original_summary(session, start, end)
    return original | {
        "since": start.isoformat(),
        "until": end.isoformat(),
        "bucket": bucket,
        "groupBy": group_by,
        "totals": total,
        "series": rows,
    }


@router.get("/{connection_id}")
async def connection_usage(
    ctx: Ctx,
    connection_id: str,
    _: Admin,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Usage of one provider account (its id), per day and per model.
    Default: the last 30 days."""
    start, end = _range(since, until, timedelta(days=30))
    condition = UsageRecord.account_id == connection_id
    async with ctx.sessions() as session:
        total = await usage_stats.totals(session, start, end, condition)
        by_model = await session.execute(
            select(
                UsageRecord.model,
                func.count(),
                func.sum(UsageRecord.total_tokens),
                func.sum(func.coalesce(UsageRecord.cost_usd, 0.0)),
            )
            .where(
                condition,
                UsageRecord.timestamp >= usage_stats.utc(start),
                UsageRecord.timestamp < usage_stats.utc(end),
            )
            .group_by(UsageRecord.model)
            .order_by(UsageRecord.model)
        )
        models = [
            {
                "model": model,
                "requests": int(count),
                "totalTokens": int(tokens or 0),
                "costUsd": round(float(cost or 0.0), 6),
            }
            for model, count, tokens, cost in by_model.all()
        ]
        days = await usage_stats.history(
            session, start, end, "day", "none", account_id=connection_id
        )
    return {
        "connectionId": connection_id,
        "since": start.isoformat(),
        "until": end.isoformat(),
        "totals": total,
        "byModel": models,
        "byDay": days,
    }
