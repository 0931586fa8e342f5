"""``/api/policies``: per-key model allow-lists, and login lockouts.

An allow-list is the key's ``allowed_models`` (enforced by the edge); the
lockouts are the dashboard login's brute-force guard, as in the original's
``{lockedIdentifiers}`` view.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy import select

from omniroute.errors import BadRequest, NotFound
from services.admin.audit import change, record
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import ApiKey
from services.admin.routes.keys import check_models, get_key
from services.admin.schemas import CamelModel


class KeyPolicy(CamelModel):
    key_id: str
    key_name: str = ""
    allowed_models: list[str] = Field(description="Empty: every model")


class LockedIdentifier(CamelModel):
    identifier: str
    retry_after_seconds: int


class Policies(CamelModel):
    policies: list[KeyPolicy]
    locked_identifiers: list[LockedIdentifier]


class PolicyIn(CamelModel):
    """``{keyId, allowedModels}`` sets an allow-list;
    ``{action: "unlock", identifier}`` ends a login lockout."""

    key_id: str | None = Field(None, max_length=64)
    allowed_models: list[str] | None = Field(None, max_length=1000)
    action: Literal["set", "unlock"] = "set"
    identifier: str | None = Field(None, max_length=256)


router = APIRouter(prefix="/api/policies", tags=["routing"])


@router.get("")
async def list_policies(ctx: Ctx, _: Admin) -> Policies:
    """Every key's allow-list, and the addresses locked out of the login."""
    async with ctx.sessions() as session:
        keys = await session.scalars(select(ApiKey).order_by(ApiKey.created_at))
        policies = [
            KeyPolicy(key_id=k.id, key_name=k.name, allowed_models=k.allowed_models)
            for k in keys
        ]
    locked = [
        LockedIdentifier(identifier=ip, retry_after_seconds=seconds)
        for ip, seconds in sorted((await ctx.login_guard.locked()).items())
    ]
    return Policies(policies=policies, locked_identifiers=locked)


@router.post("")
async def set_policy(ctx: Ctx, body: PolicyIn, actor: Admin) -> Policies:
    """Sets one key's allow-list, or unlocks a locked-out login address."""
    if body.action == "unlock":
        if not body.identifier:
            raise BadRequest("identifier: required to unlock", param="identifier")
        if not await ctx.login_guard.unlock(body.identifier):
            raise NotFound(f"'{body.identifier}' is not locked", code="not_found")
        await record(ctx, actor, "policy.unlock", body.identifier)
        return await list_policies(ctx, actor)
    if not body.key_id or body.allowed_models is None:
        raise BadRequest("keyId and allowedModels are required", param="keyId")
    try:
        models = check_models(body.allowed_models)
    except ValueError as exc:
        raise BadRequest(f"allowedModels: {exc}", param="allowedModels") from None
    async with change(
        ctx, actor, "policy.set", body.key_id, {"allowed_models": models}
    ) as c:
        key = await get_key(c.session, body.key_id)
        key.allowed_models = models
    return await list_policies(ctx, actor)


@router.delete("")
async def clear_policy(
    ctx: Ctx, actor: Admin, key_id: Annotated[str, Query(alias="keyId", max_length=64)]
) -> Policies:
    """Clears one key's allow-list (``?keyId=``): it may use every model again."""
    async with change(ctx, actor, "policy.clear", key_id) as c:
        key = await get_key(c.session, key_id)
        key.allowed_models = []
    return await list_policies(ctx, actor)
