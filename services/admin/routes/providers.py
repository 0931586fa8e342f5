"""``/api/providers``: the upstream providers and their accounts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field, SecretStr, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniroute.base_urls import normalize_base_url
from omniroute.errors import BadRequest, NotFound
from omniroute.presets import PRESETS, TYPED_MODEL_LISTS, preset_for
from omniroute.runtime.crypto import mask_secret, seal, seal_text
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.connections import (
    ConnectionIn,
    ConnectionOut,
    add_connection,
    connection_of,
    connections_of,
    details,
)
from services.admin.context import Ctx
from services.admin.db.models import Account, Provider
from services.admin.schemas import SnakeModel, validated

router = APIRouter(prefix="/api/providers", tags=["providers"])
PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class ProviderIn(SnakeModel):
    """A provider to create, or the new state of one (PUT)."""

    id: str = Field(description="Unique id, also the model-name prefix: lowercase")
    kind: str = Field(
        "openai-compatible",
        description="Preset: " + ", ".join(sorted(PRESETS)),
    )
    base_url: str = Field("", max_length=512, description="Empty takes the preset's")
    api_key: SecretStr | None = Field(
        None, max_length=8192, description="Stored encrypted, never returned"
    )
    models: list[str] = Field(default_factory=list, max_length=5000)
    embedding_models: list[str] = Field(default_factory=list, max_length=1000)
    image_models: list[str] = Field(default_factory=list, max_length=1000)
    transcription_models: list[str] = Field(default_factory=list, max_length=1000)
    speech_models: list[str] = Field(default_factory=list, max_length=1000)
    rerank_models: list[str] = Field(default_factory=list, max_length=1000)
    moderation_models: list[str] = Field(default_factory=list, max_length=1000)
    aliases: list[str] = Field(default_factory=list, max_length=100)
    display_name: str = Field("", max_length=128)
    headers: dict[str, str] = Field(
        default_factory=dict,
        max_length=50,
        description="Sent with every upstream call; never returned. Omitted on an "
        "update: the stored ones are kept",
    )
    enabled: bool = True

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not PROVIDER_ID.match(value):
            raise ValueError("use 1-64 lowercase letters, digits, '.', '_' or '-'")
        return value

    @field_validator(*TYPED_MODEL_LISTS, "models", "aliases")
    @classmethod
    def _names(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values if v.strip()]
        if any(len(v) > 256 or any(c.isspace() for c in v) for v in cleaned):
            raise ValueError("names are at most 256 characters, without spaces")
        return cleaned


class AccountOut(BaseModel):
    id: str
    name: str
    credential: str = Field(description="Masked: enough to recognise, not to use")
    priority: int
    enabled: bool


class ProviderOut(BaseModel):
    id: str
    kind: str
    format: str
    base_url: str
    display_name: str
    models: list[str]
    embedding_models: list[str]
    image_models: list[str]
    transcription_models: list[str]
    speech_models: list[str]
    rerank_models: list[str]
    moderation_models: list[str]
    aliases: list[str]
    enabled: bool
    source: str
    accounts: list[AccountOut]
    created_at: datetime | None

    @classmethod
    def of(cls, provider: Provider) -> ProviderOut:
        return cls(
            id=provider.id,
            kind=provider.kind,
            format=provider.format,
            base_url=provider.base_url,
            display_name=provider.display_name,
            models=list(provider.models),
            embedding_models=list(provider.embedding_models or ()),
            image_models=list(provider.image_models or ()),
            transcription_models=list(provider.transcription_models or ()),
            speech_models=list(provider.speech_models or ()),
            rerank_models=list(provider.rerank_models or ()),
            moderation_models=list(provider.moderation_models or ()),
            aliases=list(provider.aliases),
            enabled=provider.enabled,
            source=provider.source,
            accounts=[account_out(a) for a in provider.accounts],
            created_at=provider.created_at,
        )


def account_out(account: Account) -> AccountOut:
    return AccountOut(
        id=account.id,
        name=account.name,
        credential=account.credential_hint,
        priority=account.priority,
        enabled=account.enabled,
    )


class ProviderList(BaseModel):
    providers: list[ProviderOut]
    connections: list[ConnectionOut] = Field(
        description="Every account, as the original OmniRoute lists its connections"
    )


class ConnectionCreated(BaseModel):
    connection: ConnectionOut
    provider: ProviderOut


@router.get("")
async def list_providers(ctx: Ctx, _: Admin) -> ProviderList:
    """Every provider with its accounts (credentials masked)."""
    async with ctx.sessions() as session:
        providers = list(await session.scalars(select(Provider).order_by(Provider.id)))
        return ProviderList(
            providers=[ProviderOut.of(p) for p in providers],
            connections=connections_of(providers),
        )


@router.post(
    "",
    status_code=201,
    response_model=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            ProviderIn.model_json_schema(),
                            ConnectionIn.model_json_schema(),
                        ]
                    }
                }
            },
        }
    },
)
async def create_provider(
    ctx: Ctx, body: Annotated[dict[str, Any], Body()], actor: Admin
) -> ProviderOut | ConnectionCreated:
    """Registers a provider; it is routable as soon as the edges get the new
    table. The original OmniRoute's ``{provider, apiKey, name}`` (no ``id``)
    adds a connection (an account) to that provider instead, creating it
    from its preset when it is new."""
    if "provider" in body and "id" not in body:
        return await _create_connection(ctx, validated(ConnectionIn, body), actor)
    return await _create(ctx, validated(ProviderIn, body), actor)


async def _create(ctx: Ctx, body: ProviderIn, actor: Admin) -> ProviderOut:
    async with change(ctx, actor, "provider.create", body.id, _details(body)) as c:
        if await c.session.get(Provider, body.id) is not None:
            raise BadRequest(
                f"a provider with id '{body.id}' exists; use PUT to change it",
                param="id",
            )
        provider = Provider(id=body.id, source="api")
        c.session.add(provider)
        apply(provider, body, ctx.settings.secret)
        await c.session.flush()
        await c.session.refresh(provider, ["accounts"])
        result = ProviderOut.of(provider)
    return result


async def _create_connection(
    ctx: Ctx, body: ConnectionIn, actor: Admin
) -> ConnectionCreated:
    async with change(
        ctx, actor, "provider.account.create", body.provider, details(body)
    ) as c:
        provider, account = await add_connection(c.session, body, ctx.settings.secret)
        await c.session.flush()
        await c.session.refresh(provider, ["accounts"])
        c.target = f"{provider.id}/{account.id}"
        result = ConnectionCreated(
            connection=connection_of(provider, account),
            provider=ProviderOut.of(provider),
        )
    return result


@router.get("/{provider_id}")
async def get_provider(ctx: Ctx, provider_id: str, _: Admin) -> ProviderOut:
    """One provider with its accounts (credentials masked)."""
    async with ctx.sessions() as session:
        return ProviderOut.of(await get(session, provider_id))


@router.put("/{provider_id}")
async def update_provider(
    ctx: Ctx, provider_id: str, body: ProviderIn, actor: Admin
) -> ProviderOut:
    """Replaces a provider's settings; its credential only if ``api_key`` is
    sent, its extra headers only if ``headers`` is."""
    if body.id != provider_id:
        raise BadRequest(
            "the id in the body differs from the one in the path", param="id"
        )
    async with change(ctx, actor, "provider.update", provider_id, _details(body)) as c:
        provider = await get(c.session, provider_id)
        apply(provider, body, ctx.settings.secret)
        await c.session.flush()
        await c.session.refresh(provider, ["accounts"])
        result = ProviderOut.of(provider)
    return result


@router.delete("/{provider_id}", status_code=204)
async def delete_provider(ctx: Ctx, provider_id: str, actor: Admin) -> Response:
    """Removes a provider, its accounts and its custom models."""
    async with change(ctx, actor, "provider.delete", provider_id) as c:
        await c.session.delete(await get(c.session, provider_id))
    return Response(status_code=204)


async def get(session: AsyncSession, provider_id: str) -> Provider:
    provider = await session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(f"no provider '{provider_id}'", code="not_found")
    return provider


def _details(body: ProviderIn) -> dict[str, object]:
    return body.model_dump(mode="json", exclude={"api_key", "headers"}) | {
        "credential_changed": body.api_key is not None
    }


def check_base_url(kind: str, base_url: str) -> str:
    if kind not in PRESETS:
        raise BadRequest(
            f"kind: unknown kind '{kind}'; one of: {', '.join(sorted(PRESETS))}",
            param="kind",
        )
    if kind == "local":
        return preset_for(kind).base_url  # runs inside the executor, no URL
    preset = preset_for(kind)
    url = normalize_base_url(preset.format, base_url) or preset.base_url
    if not url:
        raise BadRequest(
            "base_url: required for an openai-compatible provider", param="base_url"
        )
    if not url.startswith(("http://", "https://")):
        raise BadRequest(
            "base_url: must start with http:// or https://", param="base_url"
        )
    return url


def apply(provider: Provider, body: ProviderIn, secret: bytes) -> None:
    base_url = check_base_url(body.kind, body.base_url)
    preset = preset_for(body.kind)
    provider.kind = body.kind
    provider.format = str(preset.format)
    provider.base_url = base_url
    provider.display_name = body.display_name
    provider.models = list(dict.fromkeys(body.models or preset.models))
    for field in TYPED_MODEL_LISTS:
        chosen = getattr(body, field) or getattr(preset, field)
        setattr(provider, field, list(dict.fromkeys(chosen)))
    provider.aliases = list(dict.fromkeys(body.aliases or preset.aliases))
    if "headers" in body.model_fields_set or provider.headers is None:
        # Stored headers are never shown, so an update that does not name
        # them (the dashboard's, a script's) must not wipe them.
        # Their values are often credentials: stored (and published) sealed.
        provider.headers = {k: seal_text(secret, v) for k, v in body.headers.items()}
    provider.enabled = body.enabled
    if body.api_key is not None or not provider.accounts:
        credential = body.api_key.get_secret_value() if body.api_key else ""
        account_id = f"{provider.id}-1"
        account = next((a for a in provider.accounts if a.id == account_id), None)
        if account is None:
            account = Account(id=account_id, name="default", priority=1)
            provider.accounts.append(account)
        account.sealed_credential = seal(secret, credential)
        account.credential_hint = mask_secret(credential) if credential else ""
        account.enabled = True
