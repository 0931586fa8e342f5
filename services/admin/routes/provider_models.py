"""``/api/provider-models``: models an operator adds to a provider's list.

They join the provider's models in the snapshot, so bare names resolve and
``/v1/models`` lists them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniroute.errors import BadRequest, NotFound
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import CustomModel
from services.admin.routes.providers import get
from services.admin.schemas import CamelModel

router = APIRouter(prefix="/api/provider-models", tags=["providers"])
ApiFormat = Literal[
    "chat-completions",
    "responses",
    "embeddings",
    "rerank",
    "audio-transcriptions",
    "audio-speech",
    "images-generations",
]


class CustomModelIn(CamelModel):
    provider: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    model_name: str | None = Field(None, max_length=256)
    api_format: ApiFormat | None = None

    @field_validator("model_id")
    @classmethod
    def _model_id(cls, value: str) -> str:
        value = value.strip()
        if not value or any(c.isspace() for c in value):
            raise ValueError("a model id without spaces is required")
        return value


class CustomModelOut(CamelModel):
    provider: str
    model_id: str
    model_name: str
    api_format: str

    @classmethod
    def of(cls, row: CustomModel) -> CustomModelOut:
        return cls(
            provider=row.provider_id,
            model_id=row.model_id,
            model_name=row.name,
            api_format=row.api_format,
        )


async def _find(session: AsyncSession, provider: str, model_id: str) -> CustomModel:
    row = await session.scalar(
        select(CustomModel).where(
            CustomModel.provider_id == provider, CustomModel.model_id == model_id
        )
    )
    if row is None:
        raise NotFound(
            f"provider '{provider}' has no custom model '{model_id}'", code="not_found"
        )
    return row


@router.get("")
async def list_custom_models(
    ctx: Ctx, _: Admin, provider: str | None = None
) -> list[CustomModelOut]:
    """Custom models, of one provider or of all."""
    query = select(CustomModel).order_by(CustomModel.provider_id, CustomModel.model_id)
    if provider:
        query = query.where(CustomModel.provider_id == provider)
    async with ctx.sessions() as session:
        return [CustomModelOut.of(r) for r in await session.scalars(query)]


@router.post("", status_code=201)
async def add_custom_model(
    ctx: Ctx, body: CustomModelIn, actor: Admin
) -> CustomModelOut:
    """Adds a model to a provider's list."""
    target = f"{body.provider}/{body.model_id}"
    async with change(
        ctx, actor, "provider_model.create", target, body.model_dump(mode="json")
    ) as c:
        await get(c.session, body.provider)
        exists = await c.session.scalar(
            select(CustomModel).where(
                CustomModel.provider_id == body.provider,
                CustomModel.model_id == body.model_id,
            )
        )
        if exists is not None:
            raise BadRequest(f"modelId: '{target}' exists; PATCH it", param="modelId")
        row = CustomModel(
            provider_id=body.provider,
            model_id=body.model_id,
            name=body.model_name or body.model_id,
            api_format=body.api_format or "chat-completions",
        )
        c.session.add(row)
        await c.session.flush()
        result = CustomModelOut.of(row)
    return result


@router.patch("")
async def update_custom_model(
    ctx: Ctx, body: CustomModelIn, actor: Admin
) -> CustomModelOut:
    """Renames a custom model or changes its API format."""
    target = f"{body.provider}/{body.model_id}"
    async with change(
        ctx, actor, "provider_model.update", target, body.model_dump(mode="json")
    ) as c:
        row = await _find(c.session, body.provider, body.model_id)
        if body.model_name is not None:
            row.name = body.model_name
        if body.api_format is not None:
            row.api_format = body.api_format
        result = CustomModelOut.of(row)
    return result


@router.delete("", status_code=204)
async def delete_custom_model(
    ctx: Ctx,
    actor: Admin,
    provider: Annotated[str, Query(max_length=64)],
    model_id: Annotated[str, Query(alias="modelId", max_length=256)],
) -> Response:
    """Removes a custom model (``?provider=&modelId=``)."""
    async with change(
        ctx, actor, "provider_model.delete", f"{provider}/{model_id}"
    ) as c:
        await c.session.delete(await _find(c.session, provider, model_id))
    return Response(status_code=204)
