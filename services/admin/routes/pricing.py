"""``/api/pricing``: the built-in price table with operator overrides.

USD per million tokens. Overrides travel in the snapshot; every service
prices with ``PriceBook`` (overrides first, then the built-in table).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from omniroute.errors import NotFound
from omniroute.pricing import BUILT_IN
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import ModelPrice
from services.admin.schemas import SnakeModel

router = APIRouter(prefix="/api/pricing", tags=["pricing"])


class PriceIn(SnakeModel):
    model: str = Field(min_length=1, max_length=256)
    provider: str = Field("", max_length=64, description="Empty: at every provider")
    input: float = Field(ge=0, le=100_000, description="USD per 1M prompt tokens")
    output: float = Field(ge=0, le=100_000, description="USD per 1M completion tokens")
    cached_input: float = Field(
        0.0, ge=0, le=100_000, description="USD per 1M cached prompt tokens; 0: input"
    )

    @field_validator("model", "provider")
    @classmethod
    def _no_spaces(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if any(c.isspace() for c in value):
            raise ValueError("no spaces")
        if info.field_name == "model" and not value:
            raise ValueError("a model name is required")
        return value


class PriceOut(PriceIn):
    source: Literal["builtin", "custom"]


class PricesIn(SnakeModel):
    prices: list[PriceIn] = Field(max_length=10_000)


async def _table(session: AsyncSession) -> list[PriceOut]:
    overrides = (
        await session.scalars(
            select(ModelPrice).order_by(ModelPrice.provider, ModelPrice.model)
        )
    ).all()
    replaced = {row.model for row in overrides if not row.provider}
    table = [
        PriceOut(
            model=model,
            provider="",
            input=price.input,
            output=price.output,
            cached_input=price.cached_input,
            source="builtin",
        )
        for model, price in sorted(BUILT_IN.items())
        if model not in replaced
    ]
    table += [
        PriceOut(
            model=row.model,
            provider=row.provider,
            input=row.input,
            output=row.output,
            cached_input=row.cached_input,
            source="custom",
        )
        for row in overrides
    ]
    return table


async def _upsert(session: AsyncSession, prices: list[PriceIn]) -> None:
    for price in prices:
        row = await session.scalar(
            select(ModelPrice).where(
                ModelPrice.provider == price.provider, ModelPrice.model == price.model
            )
        )
        if row is None:
            row = ModelPrice(provider=price.provider, model=price.model)
            session.add(row)
        row.input, row.output = price.input, price.output
        row.cached_input = price.cached_input
        await session.flush()


@router.get("")
async def get_pricing(ctx: Ctx, _: Admin) -> list[PriceOut]:
    """Every price: built-in ones and operator overrides (``source``)."""
    async with ctx.sessions() as session:
        return await _table(session)


@router.put("")
async def put_pricing(ctx: Ctx, body: PricesIn, actor: Admin) -> list[PriceOut]:
    """Replaces every override with ``prices`` (built-in prices stay)."""
    details = {"prices": [p.model_dump() for p in body.prices]}
    async with change(ctx, actor, "pricing.replace", "pricing", details) as c:
        await c.session.execute(delete(ModelPrice))
        await _upsert(c.session, body.prices)
        result = await _table(c.session)
    return result


@router.patch("")
async def patch_pricing(ctx: Ctx, body: PricesIn, actor: Admin) -> list[PriceOut]:
    """Adds or changes the overrides in ``prices``; others stay."""
    details = {"prices": [p.model_dump() for p in body.prices]}
    async with change(ctx, actor, "pricing.update", "pricing", details) as c:
        await _upsert(c.session, body.prices)
        result = await _table(c.session)
    return result


@router.delete("", status_code=204)
async def delete_price(
    ctx: Ctx,
    actor: Admin,
    model: Annotated[str, Query(min_length=1, max_length=256)],
    provider: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """Removes one override (``?model=&provider=``); a built-in price returns."""
    async with change(ctx, actor, "pricing.delete", f"{provider}/{model}") as c:
        result = await c.session.execute(
            delete(ModelPrice).where(
                ModelPrice.provider == provider, ModelPrice.model == model
            )
        )
        if not getattr(result, "rowcount", 0):
            raise NotFound(
                f"no price override for model '{model}'"
                + (f" at provider '{provider}'" if provider else ""),
                code="not_found",
            )
    return Response(status_code=204)
