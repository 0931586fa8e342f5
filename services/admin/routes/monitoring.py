"""``/api/monitoring/*``: is every part of the gateway up?"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from services.admin import health
from services.admin.auth import Actor, require_admin

router = APIRouter(prefix="/api/monitoring", tags=["monitoring"])
Admin = Annotated[Actor, Depends(require_admin)]


@router.get("/health")
async def monitoring_health(request: Request, _: Admin) -> dict[str, Any]:
    """Redis, the database, router, cache and every live executor."""
    state = request.app.state
    (
        redis_status,
        database,
        router_status,
        cache_status,
        executors,
    ) = await asyncio.gather(
        health.redis_health(state.redis),
        health.database_health(state.sessions),
        health.grpc_health(state.settings.router_address),
        health.grpc_health(state.settings.cache_address),
        health.executors_health(state.redis, state.keys),
    )
    services = {
        "admin": {"status": "ok"},
        "redis": redis_status,
        "database": database,
        "router": router_status,
        "cache": cache_status,
        "executor": executors,
    }
    healthy = all(s["status"] == "ok" for s in services.values())
    return {"status": "ok" if healthy else "degraded", "services": services}
