"""``GET /api/usage/cache-health``: how well providers' prompt caches serve
the gateway's traffic, per provider, account and key.

A coding agent re-sends a long prefix on every turn; read from the
provider's cache it costs a tenth of fresh input, written again it costs
more than fresh input. So the ratio of cache reads to cache writes says
whether caching pays, and a group that keeps writing what it should be
reading gets a verdict saying what usually causes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from sqlalchemy import case, func, select

from omniroute.errors import BadRequest
from services.admin import usage_stats
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import UsageRecord
from services.admin.logins import now

router = APIRouter(prefix="/api/usage", tags=["usage"])

GroupBy = Literal["provider", "account", "key"]
_COLUMNS = {
    "provider": (UsageRecord.provider_id,),
    "account": (UsageRecord.provider_id, UsageRecord.account_id),
    "key": (UsageRecord.api_key_id,),
}
# Below this many reads per write a warm prefix is being lost: an agent
# turn should read its prefix many times for each time it is written.
HEALTHY_READS_PER_WRITE = 2.0
MAX_HOURS = 24 * 400


@router.get("/cache-health")
async def cache_health(
    ctx: Ctx, _: Admin, hours: int = 24, group_by: GroupBy = "provider"
) -> dict[str, Any]:
    """Prompt-cache reads and writes (tokens, five-minute and one-hour),
    their ratio, the share of requests that read, the tokens and USD the
    cache saved, and a verdict per group, over the last ``hours``."""
    if not 1 <= hours <= MAX_HOURS:
        raise BadRequest(f"hours: between 1 and {MAX_HOURS}", param="hours")
    end = now()
    start = end - timedelta(hours=hours)
    async with ctx.sessions() as session:
        groups = [
            _group(group_by, row) for row in await _rows(session, group_by, start, end)
        ]
    return {
        "since": start.isoformat(),
        "until": end.isoformat(),
        "groupBy": group_by,
        "totals": _summary(_sum(groups)),
        "groups": [
            {**group["names"], **_summary(group)}
            for group in sorted(groups, key=lambda g: -g["saved_usd"])
        ],
    }


async def _rows(
    session: Any, group_by: GroupBy, start: datetime, end: datetime
) -> list[Any]:
    names = _COLUMNS[group_by]
    reading = case((UsageRecord.cached_tokens > 0, 1), else_=0)
    writing = case((UsageRecord.cache_creation_tokens > 0, 1), else_=0)
    query = (
        select(
            *names,
            func.count(),
            func.sum(reading),
            func.sum(writing),
            func.sum(UsageRecord.prompt_tokens),
            func.sum(UsageRecord.cached_tokens),
            func.sum(UsageRecord.cache_creation_tokens),
            func.sum(UsageRecord.cache_creation_1h_tokens),
            func.sum(UsageRecord.cache_saved_usd),
            func.sum(func.coalesce(UsageRecord.cost_usd, 0.0)),
        )
        .where(
            UsageRecord.timestamp >= usage_stats.utc(start),
            UsageRecord.timestamp < usage_stats.utc(end),
            UsageRecord.kind == "chat",
            UsageRecord.status < 400,
        )
        .group_by(*names)
    )
    return list((await session.execute(query)).all())


_FIELDS = (
    "requests",
    "reading_requests",
    "writing_requests",
    "prompt_tokens",
    "read_tokens",
    "write_tokens",
    "write_1h_tokens",
    "saved_usd",
    "cost_usd",
)


def _group(group_by: GroupBy, row: Any) -> dict[str, Any]:
    width = len(_COLUMNS[group_by])
    labels = ("provider", "account") if group_by == "account" else (group_by,)
    group: dict[str, Any] = {"names": dict(zip(labels, row[:width], strict=True))}
    for name, value in zip(_FIELDS, row[width:], strict=True):
        group[name] = float(value or 0) if name.endswith("usd") else int(value or 0)
    return group


def _sum(groups: list[dict[str, Any]]) -> dict[str, Any]:
    return {name: sum(g[name] for g in groups) for name in _FIELDS}


def _summary(group: dict[str, Any]) -> dict[str, Any]:
    reads, writes = group["read_tokens"], group["write_tokens"]
    requests = group["requests"]
    verdict, advice = _verdict(group)
    return {
        "requests": requests,
        "promptTokens": group["prompt_tokens"],
        "cacheReadTokens": reads,
        "cacheWriteTokens": writes,
        "cacheWrite1hTokens": group["write_1h_tokens"],
        "readWriteRatio": round(reads / writes, 3) if writes else None,
        "readingRequestShare": round(group["reading_requests"] / requests, 3)
        if requests
        else 0.0,
        "tokensSaved": reads,
        "savedUsd": round(group["saved_usd"], 6),
        "costUsd": round(group["cost_usd"], 6),
        "verdict": verdict,
        "advice": advice,
    }


def _verdict(group: dict[str, Any]) -> tuple[str, str]:
    reads, writes = group["read_tokens"], group["write_tokens"]
    if not reads and not writes:
        return (
            "uncached",
            "nothing was read from or written to a provider cache: prompts may "
            "be below the provider's minimum (about 1,024 tokens), the provider "
            "may not cache, or automatic breakpoints are off (PUT /api/routing "
            "prompt_cache)",
        )
    if writes and reads / writes < HEALTHY_READS_PER_WRITE:
        return (
            "rewriting",
            "prefixes are written again instead of read: the prompt's start "
            "changes between turns (a timestamp or id early in the system "
            "prompt), turns are spread over accounts (check session and "
            "prefix affinity), or turns are further apart than the cache "
            "lifetime (5 minutes; use ttl 1h)",
        )
    return "healthy", "cached prefixes are read far more often than written"
