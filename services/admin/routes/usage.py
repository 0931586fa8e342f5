"""``/api/usage/*``: what was asked, of whom, at what cost."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, select

from services.admin.auth import Actor, require_admin
from services.admin.db.models import UsageRecord

router = APIRouter(prefix="/api/usage", tags=["usage"])
Admin = Annotated[Actor, Depends(require_admin)]


class UsageLogEntry(BaseModel):
    request_id: str
    timestamp: datetime
    api_key_id: str
    endpoint: str
    client_format: str
    requested_model: str
    provider: str
    model: str
    status: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
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


@router.get("/logs")
async def usage_logs(
    request: Request,
    _: Admin,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    provider: str | None = None,
    api_key_id: str | None = None,
) -> UsageLogPage:
    """Recorded requests, newest first."""
    query = select(UsageRecord)
    if provider:
        query = query.where(UsageRecord.provider_id == provider)
    if api_key_id:
        query = query.where(UsageRecord.api_key_id == api_key_id)
    async with request.app.state.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await session.scalars(
            query.order_by(UsageRecord.timestamp.desc(), UsageRecord.id.desc())
            .limit(limit)
            .offset(offset)
        )
        entries = [
            UsageLogEntry(
                request_id=r.request_id,
                timestamp=r.timestamp,
                api_key_id=r.api_key_id,
                endpoint=r.endpoint,
                client_format=r.client_format,
                requested_model=r.requested_model,
                provider=r.provider_id,
                model=r.model,
                status=r.status,
                prompt_tokens=r.prompt_tokens,
                completion_tokens=r.completion_tokens,
                total_tokens=r.total_tokens,
                latency_ms=r.latency_ms,
                upstream_latency_ms=r.upstream_latency_ms,
                ttft_ms=r.ttft_ms,
                stream=r.stream,
                cache=r.cache,
                fallbacks=r.fallbacks,
                error=r.error_message,
            )
            for r in rows
        ]
    return UsageLogPage(total=total or 0, limit=limit, offset=offset, entries=entries)
