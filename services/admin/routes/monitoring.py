"""``/api/monitoring/*``: is every part of the gateway up?"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter

from services.admin import health
from services.admin.auth import Admin
from services.admin.context import Ctx

router = APIRouter(prefix="/api/monitoring", tags=["monitoring"])


@router.get("/health")
async def monitoring_health(ctx: Ctx, _: Admin) -> dict[str, Any]:
    """Redis, the database, the edge, router, cache, every live executor,
    and the dispatch backlog."""
    (
        edge_status,
        redis_status,
        database,
        router_status,
        cache_status,
        executors,
        dispatch,
    ) = await asyncio.gather(
        health.http_health(ctx.settings.edge_url),
        health.redis_health(ctx.redis),
        health.database_health(ctx.sessions),
        health.grpc_health(ctx.settings.router_address),
        health.grpc_health(ctx.settings.cache_address),
        health.executors_health(ctx.redis, ctx.keys),
        health.dispatch_backlog(ctx.redis, ctx.keys),
    )
    services = {
        "admin": {"status": "ok"},
        "edge": edge_status,
        "redis": redis_status,
        "database": database,
        "router": router_status,
        "cache": cache_status,
        "executor": executors,
    }
    healthy = all(s["status"] == "ok" for s in services.values())
    return {
        "status": "ok" if healthy else "degraded",
        "services": services,
        # Requests waiting for an executor (lag) and in executors' hands (pending).
        "dispatch": dispatch,
    }
