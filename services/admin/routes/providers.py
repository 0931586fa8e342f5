"""``/api/providers``: the upstream providers and their accounts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, SecretStr, field_validator
from sqlalchemy import select

from omniroute.errors import BadRequest, NotFound
from omniroute.presets import PRESETS, preset_for
from omniroute.runtime.crypto import mask_secret, seal
from services.admin.auth import Actor, require_admin
from services.admin.db.models import Account, Provider

router = APIRouter(prefix="/api/providers", tags=["providers"])
Admin = Annotated[Actor, Depends(require_admin)]
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class ProviderIn(BaseModel):
    """A provider to create, or the new state of one (PUT)."""

    id: str = Field(description="Unique id, also the model-name prefix: lowercase")
    kind: str = Field(
        "openai-compatible",
        description="Preset: " + ", ".join(sorted(PRESETS)),
    )
    base_url: str = Field("", description="Empty takes the preset's URL")
    api_key: SecretStr | None = Field(
        None, description="Stored encrypted, never returned"
    )
    models: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    display_name: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    enabled: bool = True

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("use 1-64 lowercase letters, digits, '.', '_' or '-'")
        return value


class AccountOut(BaseModel):
    id: str
    name: str
    credential: str
    priority: int
    enabled: bool


class ProviderOut(BaseModel):
    id: str
    kind: str
    format: str
    base_url: str
    display_name: str
    models: list[str]
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
            aliases=list(provider.aliases),
            enabled=provider.enabled,
            source=provider.source,
            accounts=[
                AccountOut(
                    id=a.id,
                    name=a.name,
                    credential=a.credential_hint,
                    priority=a.priority,
                    enabled=a.enabled,
                )
                for a in provider.accounts
            ],
            created_at=provider.created_at,
        )


@router.get("")
async def list_providers(request: Request, _: Admin) -> list[ProviderOut]:
    """Every provider with its accounts (credentials masked)."""
    async with request.app.state.sessions() as session:
        providers = (
            await session.scalars(select(Provider).order_by(Provider.id))
        ).all()
        return [ProviderOut.of(p) for p in providers]


@router.post("", status_code=201)
async def create_provider(request: Request, body: ProviderIn, _: Admin) -> ProviderOut:
    """Registers a provider; it is routable as soon as the edges get the new table."""
    state = request.app.state
    async with state.sessions() as session, session.begin():
        if await session.get(Provider, body.id) is not None:
            raise BadRequest(
                f"a provider with id '{body.id}' exists; use PUT to change it"
            )
        provider = Provider(id=body.id, source="api")
        session.add(provider)
        _apply(provider, body, state.settings.secret)
        await session.flush()
        await session.refresh(provider, ["accounts"])
        result = ProviderOut.of(provider)
    await state.publisher.publish()
    return result


@router.get("/{provider_id}")
async def get_provider(request: Request, provider_id: str, _: Admin) -> ProviderOut:
    async with request.app.state.sessions() as session:
        return ProviderOut.of(await _get(session, provider_id))


@router.put("/{provider_id}")
async def update_provider(
    request: Request, provider_id: str, body: ProviderIn, _: Admin
) -> ProviderOut:
    """Replaces a provider's settings; the credential only if ``api_key`` is sent."""
    if body.id != provider_id:
        raise BadRequest("the id in the body differs from the one in the path")
    state = request.app.state
    async with state.sessions() as session, session.begin():
        provider = await _get(session, provider_id)
        _apply(provider, body, state.settings.secret)
        await session.flush()
        await session.refresh(provider, ["accounts"])
        result = ProviderOut.of(provider)
    await state.publisher.publish()
    return result


@router.delete("/{provider_id}", status_code=204)
async def delete_provider(request: Request, provider_id: str, _: Admin) -> Response:
    state = request.app.state
    async with state.sessions() as session, session.begin():
        await session.delete(await _get(session, provider_id))
    await state.publisher.publish()
    return Response(status_code=204)


async def _get(session: object, provider_id: str) -> Provider:
    provider = await session.get(Provider, provider_id)  # type: ignore[attr-defined]
    if provider is None:
        raise NotFound(f"no provider '{provider_id}'", code="not_found")
    return provider  # type: ignore[no-any-return]


def _apply(provider: Provider, body: ProviderIn, secret: bytes) -> None:
    if body.kind not in PRESETS:
        raise BadRequest(
            f"unknown kind '{body.kind}'; one of: {', '.join(sorted(PRESETS))}"
        )
    preset = preset_for(body.kind)
    base_url = body.base_url.strip() or preset.base_url
    if not base_url:
        raise BadRequest("base_url is required for an openai-compatible provider")
    if not base_url.startswith(("http://", "https://")):
        raise BadRequest("base_url must start with http:// or https://")
    provider.kind = body.kind
    provider.format = str(preset.format)
    provider.base_url = base_url
    provider.display_name = body.display_name
    provider.models = list(dict.fromkeys(body.models or preset.models))
    provider.aliases = list(dict.fromkeys(body.aliases or preset.aliases))
    provider.headers = dict(body.headers)
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
