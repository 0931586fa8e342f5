"""``/api/monitoring/*``: is every part of the gateway up?"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from services.admin import gateway_config, health
from services.admin.auth import Anyone
from services.admin.context import Ctx
from services.admin.routes.system import VERSION

router = APIRouter(prefix="/api/monitoring", tags=["monitoring"])


@router.get("/health")
async def monitoring_health(ctx: Ctx, actor: Anyone) -> dict[str, Any]:
    """Redis, the database, the edge, router, cache, every live executor,
    and the dispatch backlog. Without credentials (load balancers, the
    original OmniRoute's monitors) only the verdict: ``healthy`` or
    ``degraded``, the version and the time."""
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
    verdict = {
        "status": "healthy" if healthy else "degraded",
        "version": VERSION,
        "timestamp": datetime.now(UTC).isoformat(),
    }
    if actor.kind == "anonymous" and await _login_required(ctx):
        return verdict
    return verdict | {
        "services": services,
        # Requests waiting for an executor (lag) and in executors' hands (pending).
        "dispatch": dispatch,
    }


async def _login_required(ctx: Ctx) -> bool:
    async with ctx.sessions() as session:
        auth = await gateway_config.load(session, gateway_config.AuthConfig)
    return auth.require_login
