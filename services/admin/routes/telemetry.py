"""``/api/telemetry/summary``: latency percentiles per provider."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.admin import usage_stats
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.logins import now
from services.admin.schemas import CamelModel

router = APIRouter(prefix="/api/telemetry", tags=["monitoring"])


class Latency(BaseModel):
    p50: float
    p95: float
    p99: float
    count: int


class TelemetrySummary(CamelModel):
    window_ms: int
    providers: dict[str, Latency] = Field(description="Milliseconds, per provider")
    count: int


@router.get("/summary")
async def telemetry_summary(
    ctx: Ctx,
    _: Admin,
    window_ms: Annotated[
        int, Query(alias="windowMs", ge=1000, le=30 * 86_400_000)
    ] = 300_000,
) -> TelemetrySummary:
    """p50/p95/p99 end-to-end latency (ms) and request count per provider over
    the last ``windowMs`` (default 5 minutes), from recorded usage."""
    since = now() - timedelta(milliseconds=window_ms)
    async with ctx.sessions() as session:
        providers = await usage_stats.latency_summary(session, since)
    return TelemetrySummary(
        window_ms=window_ms,
        providers={name: Latency.model_validate(v) for name, v in providers.items()},
        count=sum(int(p["count"]) for p in providers.values()),
    )
