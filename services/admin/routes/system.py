"""``/api/init``, ``/api/restart``, ``/api/shutdown``."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse

from omniroute.errors import Unauthorized
from services.admin import gateway_config as gc
from services.admin.audit import record
from services.admin.auth import Admin, identify
from services.admin.context import Ctx
from services.admin.db.models import ApiKey, Provider
from services.admin.schemas import CamelModel

router = APIRouter(prefix="/api", tags=["operations"])
VERSION = "0.1.0"
# Lets the shutdown answer reach the client before the server stops.
_SHUTDOWN_DELAY_S = 0.2


class InitInfo(CamelModel):
    version: str
    require_login: bool
    password_set: bool
    authenticated: bool
    must_change_password: bool | None = None
    providers_configured: int | None = None
    keys_count: int | None = None
    config_version: int | None = None
    setup_complete: bool | None = None


class Restarted(CamelModel):
    restarted: bool
    config_version: int


@router.get("/init", response_model_exclude_none=True)
async def init(ctx: Ctx, request: Request) -> InitInfo:
    """First-run information for the dashboard. Anyone sees whether a login
    is needed; counts and ``mustChangePassword`` only a signed-in caller."""
    try:
        actor = await identify(request)
    except Unauthorized:
        actor = None
    async with ctx.sessions() as session:
        auth = await gc.load(session, gc.AuthConfig)
        info = InitInfo(
            version=VERSION,
            require_login=auth.require_login,
            password_set=bool(auth.password_hash or ctx.settings.initial_password),
            authenticated=actor is not None,
        )
        if actor is None and auth.require_login:
            return info
        providers = await session.scalar(select(func.count()).select_from(Provider))
        keys = await session.scalar(
            select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
        )
    return info.model_copy(
        update={
            "must_change_password": auth.password_is_initial
            or (not auth.password_hash and ctx.settings.initial_password is not None),
            "providers_configured": int(providers or 0),
            "keys_count": int(keys or 0),
            "config_version": await ctx.publisher.current_version(),
            "setup_complete": bool(providers) and bool(keys),
        }
    )


@router.post("/restart")
async def restart(ctx: Ctx, actor: Admin) -> Restarted:
    """Re-applies start-up configuration without stopping the process:
    providers and keys declared in the environment are registered again (as
    at start), the login guard forgets its counts, and a new snapshot
    version is published so every edge, router and executor reloads."""
    if ctx.restart is not None:
        await ctx.restart()
    version = await ctx.publisher.publish()
    await record(ctx, actor, "system.restart", "admin", {"config_version": version})
    return Restarted(restarted=True, config_version=version)


@router.post("/shutdown", status_code=202)
async def shutdown(ctx: Ctx, actor: Admin) -> JSONResponse:
    """Stops the admin service gracefully after answering (202). The other
    services keep serving from the last snapshot; a supervisor (compose,
    Kubernetes, ``make run``) decides whether to start it again."""
    await record(ctx, actor, "system.shutdown", "admin")

    async def stop() -> None:
        await asyncio.sleep(_SHUTDOWN_DELAY_S)
        ctx.request_shutdown()

    return JSONResponse(
        {"shuttingDown": True}, status_code=202, background=BackgroundTask(stop)
    )
