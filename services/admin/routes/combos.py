"""``/api/combos``: named virtual models tried according to a strategy."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniroute.common.v1 import config_pb2
from omniroute.errors import BadRequest, NotFound
from omniroute.routing.strategies import Strategy
from services.admin import combo_rules
from services.admin import gateway_config as gc
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import Combo, ModelAlias
from services.admin.schemas import SnakeModel, validated

router = APIRouter(prefix="/api/combos", tags=["routing"])
COMBO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$")


class Member(SnakeModel):
    model: str = Field(
        min_length=1,
        max_length=256,
        description="provider/model, a bare model, an alias or another combo",
    )
    weight: int = Field(1, ge=0, le=1000, description="For the weighted strategy")

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        value = value.strip()
        if not value or any(c.isspace() for c in value):
            raise ValueError("a model name without spaces is required")
        return value


class ComboChange(SnakeModel):
    """Fields of a combo; the original OmniRoute's ``models`` list is read as
    ``members`` (see ``combo_rules.members_from_original``)."""

    strategy: str = Field(
        "priority", description="One of: " + ", ".join(s.value for s in Strategy)
    )
    members: list[Member] = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=2000)
    enabled: bool = True

    @model_validator(mode="before")
    @classmethod
    def _original_models(cls, data: Any) -> Any:
        if isinstance(data, dict) and "members" not in data and "models" in data:
            data = {
                **data,
                "members": combo_rules.members_from_original(data["models"]),
            }
        return data


class ComboIn(ComboChange):
    name: str = Field(description="Used as the model name: no '/' or spaces")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not COMBO_NAME.match(value):
            raise ValueError(
                "use 1-128 letters, digits or . _ : @ + - (no '/', it names a provider)"
            )
        return value


class ComboUpdate(ComboChange):
    """A PUT: fields left out keep their stored values (the original's
    partial update); the name, if sent, must be the one in the path."""

    name: str | None = None


class ComboOut(BaseModel):
    id: str = Field(description="The name: what the original OmniRoute's id is for")
    name: str
    strategy: str
    members: list[Member]
    models: list[dict[str, Any]] = Field(
        description="The members as the original OmniRoute lists them"
    )
    description: str
    enabled: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, combo: Combo, combo_names: Collection[str]) -> ComboOut:
        members = [Member.model_validate(m) for m in combo.members]
        return cls(
            id=combo.name,
            name=combo.name,
            strategy=combo.strategy,
            members=members,
            models=combo_rules.members_as_original(
                [m.model_dump() for m in members], combo_names
            ),
            description=combo.description,
            enabled=combo.enabled,
            created_at=combo.created_at,
            updated_at=combo.updated_at,
        )


class ComboList(BaseModel):
    combos: list[ComboOut]


async def _all(session: AsyncSession) -> dict[str, config_pb2.Combo]:
    rows = await session.scalars(select(Combo))
    return {row.name: combo_rules.as_proto(row.name, row.members) for row in rows}


async def _out(session: AsyncSession, combo: Combo) -> ComboOut:
    return ComboOut.of(combo, set(await session.scalars(select(Combo.name))))


async def _validate(session: AsyncSession, name: str, body: ComboChange) -> str:
    strategy = combo_rules.normalise_strategy(body.strategy)
    if await session.get(ModelAlias, name) is not None:
        raise BadRequest(f"name: '{name}' is already a model alias", param="name")
    combos = await _all(session)
    combos[name] = combo_rules.as_proto(name, [m.model_dump() for m in body.members])
    routing = await gc.load(session, gc.RoutingConfig)
    # Every combo that contains this one may have grown deeper too.
    affected = [name, *_ancestors(combos, name)]
    combo_rules.check_graph(combos, affected, routing.max_combo_depth)
    return strategy


def _ancestors(combos: dict[str, config_pb2.Combo], name: str) -> list[str]:
    found: list[str] = []
    frontier = [name]
    while frontier:
        current = frontier.pop()
        for parent in combo_rules.referrers(combos, current):
            if parent not in found and parent != name:
                found.append(parent)
                frontier.append(parent)
    return found


def _store(combo: Combo, body: ComboChange, strategy: str) -> None:
    combo.strategy = strategy
    combo.members = [m.model_dump() for m in body.members]
    combo.description = body.description
    combo.enabled = body.enabled


@router.get("")
async def list_combos(ctx: Ctx, _: Admin) -> ComboList:
    """Every combo, as ``{"combos": [...]}`` (the original's shape)."""
    async with ctx.sessions() as session:
        rows = list(await session.scalars(select(Combo).order_by(Combo.name)))
        names = {r.name for r in rows}
        return ComboList(combos=[ComboOut.of(r, names) for r in rows])


@router.post("", status_code=201)
async def create_combo(ctx: Ctx, body: ComboIn, actor: Admin) -> ComboOut:
    """Creates a combo; strategy and nesting are checked first (400 if wrong)."""
    details = body.model_dump(mode="json")
    async with change(ctx, actor, "combo.create", body.name, details) as c:
        if await c.session.get(Combo, body.name) is not None:
            raise BadRequest(
                f"name: combo '{body.name}' exists; PUT to change it", param="name"
            )
        strategy = await _validate(c.session, body.name, body)
        combo = Combo(name=body.name)
        _store(combo, body, strategy)
        c.session.add(combo)
        await c.session.flush()
        await c.session.refresh(combo)
        result = await _out(c.session, combo)
    return result


async def _get(session: AsyncSession, name: str) -> Combo:
    combo = await session.get(Combo, name)
    if combo is None:
        raise NotFound(f"no combo '{name}'", code="not_found")
    return combo


@router.get("/{name}")
async def get_combo(ctx: Ctx, name: str, _: Admin) -> ComboOut:
    """One combo."""
    async with ctx.sessions() as session:
        return await _out(session, await _get(session, name))


@router.put("/{name}")
async def update_combo(
    ctx: Ctx, name: str, body: dict[str, Any], actor: Admin
) -> ComboOut:
    """Changes a combo; fields left out keep their values. Its name cannot
    change (delete and re-create)."""
    if body.get("name", name) != name:
        raise BadRequest("name: differs from the combo in the path", param="name")
    async with change(ctx, actor, "combo.update", name, body) as c:
        combo = await _get(c.session, name)
        stored = {
            "strategy": combo.strategy,
            "members": combo.members,
            "description": combo.description,
            "enabled": combo.enabled,
        }
        if "models" in body and "members" not in body:
            stored.pop("members")
        update = validated(ComboUpdate, {**stored, **body})
        strategy = await _validate(c.session, name, update)
        _store(combo, update, strategy)
        await c.session.flush()
        await c.session.refresh(combo)
        result = await _out(c.session, combo)
    return result


@router.delete("/{name}", status_code=204)
async def delete_combo(ctx: Ctx, name: str, actor: Admin) -> Response:
    """Deletes a combo that no other combo uses."""
    async with change(ctx, actor, "combo.delete", name) as c:
        combo = await _get(c.session, name)
        users = combo_rules.referrers(await _all(c.session), name)
        if users:
            raise BadRequest(
                f"combo '{name}' is a member of {', '.join(users)}; remove it there "
                "first",
                param="name",
            )
        await c.session.delete(combo)
    return Response(status_code=204)
