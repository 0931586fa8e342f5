"""``/api/pricing``: the built-in price table with operator overrides.

USD per million tokens. Overrides travel in the snapshot; every service
prices with ``PriceBook`` (overrides first, then the built-in table).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field, ValidationInfo, field_validator, model_validator
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
ANY_PROVIDER = "*"


class PriceIn(SnakeModel):
    model: str = Field(min_length=1, max_length=256)
    provider: str = Field("", max_length=64, description="Empty: at every provider")
    input: float = Field(ge=0, le=100_000, description="USD per 1M prompt tokens")
    output: float = Field(ge=0, le=100_000, description="USD per 1M completion tokens")
    cached_input: float = Field(
        0.0, ge=0, le=100_000, description="USD per 1M cached prompt tokens; 0: input"
    )
    cache_write: float = Field(
        0.0,
        ge=0,
        le=100_000,
        description="USD per 1M prompt tokens written to a 5-minute cache; 0: input",
    )
    cache_write_1h: float = Field(
        0.0,
        ge=0,
        le=100_000,
        description="USD per 1M prompt tokens written to a 1-hour cache; 0: input",
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
    """``{prices: [...]}``, or the original OmniRoute's nested
    ``{provider: {model: {input, output, cached, cache_creation}}}``. Its
    ``reasoning`` price is not kept: reasoning tokens are priced as output
    (the original's default); ``cache_creation`` is the 5-minute write."""

    prices: list[PriceIn] = Field(max_length=10_000)

    @model_validator(mode="before")
    @classmethod
    def _original_body(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "prices" in data:
            return data
        return {"prices": [*_flatten(data)]}


def _flatten(nested: dict[str, Any]) -> Iterator[Any]:
    for provider, models in nested.items():
        if not isinstance(models, dict):
            yield models  # validation says what is wrong with it
            continue
        for model, price in models.items():
            if not isinstance(price, dict):
                yield price
                continue
            yield {
                "provider": "" if provider == ANY_PROVIDER else provider,
                "model": model,
                "input": price.get("input"),
                "output": price.get("output"),
                "cached_input": price.get("cached", 0.0),
                "cache_write": price.get("cache_creation", 0.0),
            }


def nested(table: list[PriceOut]) -> dict[str, dict[str, dict[str, float]]]:
    """The table as the original nests it: provider, then model. Prices for
    every provider are under ``*``."""
    grouped: dict[str, dict[str, dict[str, float]]] = {}
    for price in table:
        grouped.setdefault(price.provider or ANY_PROVIDER, {})[price.model] = {
            "input": price.input,
            "output": price.output,
            "cached": price.cached_input or price.input,
            "cache_creation": price.cache_write or price.input,
        }
    return grouped


def _answer(table: list[PriceOut]) -> dict[str, Any]:
    return {"prices": [p.model_dump() for p in table]} | nested(table)


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
            cache_write=price.cache_write,
            cache_write_1h=price.cache_write_1h,
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
            cache_write=row.cache_write,
            cache_write_1h=row.cache_write_1h,
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
        row.cache_write, row.cache_write_1h = price.cache_write, price.cache_write_1h
        await session.flush()


@router.get("")
async def get_pricing(ctx: Ctx, _: Admin) -> dict[str, Any]:
    """Every price: built-in ones and operator overrides (``source``), as
    ``{"prices": [...]}`` and nested by provider and model like the
    original's (``*``: at every provider)."""
    async with ctx.sessions() as session:
        return _answer(await _table(session))


@router.put("")
async def put_pricing(ctx: Ctx, body: PricesIn, actor: Admin) -> dict[str, Any]:
    """Replaces every override with ``prices`` (built-in prices stay)."""
    details = {"prices": [p.model_dump() for p in body.prices]}
    async with change(ctx, actor, "pricing.replace", "pricing", details) as c:
        await c.session.execute(delete(ModelPrice))
        await _upsert(c.session, body.prices)
        result = _answer(await _table(c.session))
    return result


@router.patch("")
async def patch_pricing(ctx: Ctx, body: PricesIn, actor: Admin) -> dict[str, Any]:
    """Adds or changes the overrides in ``prices``; others stay."""
    details = {"prices": [p.model_dump() for p in body.prices]}
    async with change(ctx, actor, "pricing.update", "pricing", details) as c:
        await _upsert(c.session, body.prices)
        result = _answer(await _table(c.session))
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
