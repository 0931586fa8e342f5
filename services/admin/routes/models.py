"""``/api/models``: aliases and the catalog."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import AliasChoices, BaseModel, Field, field_validator
from sqlalchemy import select

from omniroute.errors import BadRequest, NotFound
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.catalog import build_catalog
from services.admin.context import Ctx
from services.admin.db.models import Combo, ModelAlias
from services.admin.schemas import SnakeModel

router = APIRouter(prefix="/api/models", tags=["routing"])
_ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,255}$")


class AliasIn(SnakeModel):
    alias: str = Field(description="A bare model name (no '/')")
    target: str = Field(
        min_length=1,
        max_length=256,
        description="provider/model or a model name (the original's `model`)",
        validation_alias=AliasChoices("target", "model"),
    )

    @field_validator("alias")
    @classmethod
    def _alias(cls, value: str) -> str:
        if not _ALIAS.match(value):
            raise ValueError("use letters, digits or . _ : @ + - (no '/' or spaces)")
        return value

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        value = value.strip()
        if not value or any(c.isspace() for c in value):
            raise ValueError("a model name without spaces is required")
        return value


class AliasOut(BaseModel):
    alias: str
    target: str
    model: str = Field(description="The target, by the original OmniRoute's name")

    @classmethod
    def of(cls, alias: str, target: str) -> AliasOut:
        return cls(alias=alias, target=target, model=target)


class AliasTable(BaseModel):
    aliases: dict[str, str] = Field(description="alias -> target")


class ResolvedAlias(BaseModel):
    provider: str
    model: str
    qualified_id: str = Field(serialization_alias="qualifiedId")
    target: str


class OneAlias(BaseModel):
    alias: str
    resolved: ResolvedAlias


@router.get("/alias", response_model=None)
async def list_aliases(
    ctx: Ctx,
    _: Admin,
    alias: Annotated[str | None, Query(max_length=256)] = None,
) -> AliasTable | OneAlias:
    """Every alias as ``{"aliases": {alias: target}}``, or one resolved
    (``?alias=``, 404 when there is none) - both the original's shapes."""
    async with ctx.sessions() as session:
        if alias is not None:
            row = await session.get(ModelAlias, alias)
            if row is None:
                raise NotFound(f"no alias '{alias}'", code="not_found")
            provider, _slash, model = row.target.rpartition("/")
            resolved = ResolvedAlias(
                provider=provider,
                model=model,
                qualified_id=row.target,
                target=row.target,
            )
            return OneAlias(alias=row.alias, resolved=resolved)
        rows = await session.scalars(select(ModelAlias).order_by(ModelAlias.alias))
        return AliasTable(aliases={r.alias: r.target for r in rows})


@router.put("/alias")
@router.post("/alias")
async def set_alias(ctx: Ctx, body: AliasIn, actor: Admin) -> AliasOut:
    """Creates or changes an alias: ``{alias, target}`` or the original's
    ``{alias, model}``."""
    if body.alias == body.target:
        raise BadRequest("target: an alias cannot point at itself", param="target")
    async with change(
        ctx, actor, "alias.set", body.alias, body.model_dump(mode="json")
    ) as c:
        if await c.session.get(Combo, body.alias) is not None:
            raise BadRequest(f"alias: '{body.alias}' is a combo's name", param="alias")
        if await c.session.get(Combo, body.target) is not None:
            raise BadRequest(
                f"target: '{body.target}' is a combo; use the combo's name directly",
                param="target",
            )
        row = await c.session.get(ModelAlias, body.alias)
        if row is None:
            c.session.add(ModelAlias(alias=body.alias, target=body.target))
        else:
            row.target = body.target
    return AliasOut.of(body.alias, body.target)


@router.delete("/alias", status_code=204)
async def delete_alias(
    ctx: Ctx, actor: Admin, alias: Annotated[str, Query(max_length=256)]
) -> Response:
    """Deletes an alias (``?alias=``)."""
    async with change(ctx, actor, "alias.delete", alias) as c:
        row = await c.session.get(ModelAlias, alias)
        if row is None:
            raise NotFound(f"no alias '{alias}'", code="not_found")
        await c.session.delete(row)
    return Response(status_code=204)


@router.get("/catalog")
async def catalog(ctx: Ctx, _: Admin) -> dict[str, Any]:
    """Every model by provider and type (configured and custom), every alias
    and every combo."""
    async with ctx.sessions() as session:
        return await build_catalog(session)
