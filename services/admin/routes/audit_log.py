"""``/api/compliance/audit-log``: who changed what, when, from where."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import func, select

from services.admin import usage_stats
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import AuditEntry
from services.admin.logins import aware

router = APIRouter(prefix="/api/compliance", tags=["monitoring"])


class AuditOut(BaseModel):
    id: int
    timestamp: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    ip: str


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    entries: list[AuditOut]


Text = Annotated[str | None, Query(max_length=256)]


@router.get("/audit-log")
async def audit_log(
    ctx: Ctx,
    _: Admin,
    action: Text = None,
    actor: Text = None,
    target: Text = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPage:
    """Management changes, newest first. ``action`` matches exactly or, ending
    in ``*``, as a prefix (``provider.*``)."""
    query = select(AuditEntry)
    if action:
        if action.endswith("*"):
            query = query.where(AuditEntry.action.startswith(action[:-1]))
        else:
            query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if target:
        query = query.where(AuditEntry.target == target)
    if since is not None:
        query = query.where(AuditEntry.timestamp >= usage_stats.utc(since))
    if until is not None:
        query = query.where(AuditEntry.timestamp < usage_stats.utc(until))
    async with ctx.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await session.scalars(
            query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
        )
        entries = [
            AuditOut(
                id=r.id,
                timestamp=aware(r.timestamp),
                actor=r.actor,
                action=r.action,
                target=r.target,
                details=r.details,
                ip=r.ip,
            )
            for r in rows
        ]
    return AuditPage(total=total or 0, limit=limit, offset=offset, entries=entries)
