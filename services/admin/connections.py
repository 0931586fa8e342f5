"""The original OmniRoute's "connections", seen through our providers.

There, a connection is one credential for one provider type (``openai``,
``anthropic``, a provider node's id) and its management API creates and
lists connections. Here a provider holds its accounts, so a connection is an
account: creating one adds an account to the provider of that id, creating
the provider from its preset first when it does not exist yet.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from pydantic import Field, SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from omniroute.errors import BadRequest
from omniroute.presets import PRESETS, preset_for
from omniroute.runtime.crypto import mask_secret, seal
from services.admin.db.models import Account, Provider
from services.admin.schemas import CamelModel, SnakeModel


class ConnectionIn(SnakeModel):
    """The original's ``POST /api/providers`` body."""

    provider: str = Field(
        min_length=1, max_length=64, description="A preset or an existing provider"
    )
    api_key: SecretStr | None = Field(None, max_length=8192)
    name: str = Field("", max_length=128)
    priority: int | None = Field(None, ge=1, le=1000)
    is_active: bool = True
    default_model: str | None = Field(None, max_length=256)


class ConnectionOut(CamelModel):
    id: str
    provider: str
    name: str
    auth_type: str = "apikey"
    priority: int
    is_active: bool
    credential: str = Field(description="Masked")
    created_at: datetime | None = None


def connection_of(provider: Provider, account: Account) -> ConnectionOut:
    return ConnectionOut(
        id=account.id,
        provider=provider.id,
        name=account.name,
        priority=account.priority,
        is_active=account.enabled and provider.enabled,
        credential=account.credential_hint,
        created_at=account.created_at,
    )


def connections_of(providers: list[Provider]) -> list[ConnectionOut]:
    return [connection_of(p, a) for p in providers for a in p.accounts]


async def add_connection(
    session: AsyncSession, body: ConnectionIn, secret: bytes
) -> tuple[Provider, Account]:
    """Adds the account; the provider comes from its preset if it is new."""
    provider = await session.get(Provider, body.provider)
    if provider is None:
        provider = _from_preset(body)
        session.add(provider)
    account = _placeholder(provider)
    if account is None:
        account = Account(
            id=f"{provider.id}-{secrets.token_hex(3)}",
            priority=body.priority
            or 1 + max((a.priority for a in provider.accounts), default=0),
        )
        provider.accounts.append(account)
    elif body.priority:
        account.priority = body.priority
    account.name = body.name or body.provider
    account.enabled = body.is_active
    credential = body.api_key.get_secret_value() if body.api_key else ""
    account.sealed_credential = seal(secret, credential)
    account.credential_hint = mask_secret(credential) if credential else ""
    return provider, account


def _placeholder(provider: Provider) -> Account | None:
    """The credential-less account a provider node is created with: the
    original gives a node its key through a connection, which fills it."""
    if len(provider.accounts) == 1 and not provider.accounts[0].credential_hint:
        return provider.accounts[0]
    return None


def _from_preset(body: ConnectionIn) -> Provider:
    if body.provider not in PRESETS or body.provider == "openai-compatible":
        raise BadRequest(
            f"provider: '{body.provider}' is neither a provider here nor a preset "
            f"({', '.join(sorted(PRESETS))}); an OpenAI-compatible endpoint is a "
            "provider node first (POST /api/provider-nodes)",
            param="provider",
        )
    preset = preset_for(body.provider)
    models = list(preset.models)
    if body.default_model and body.default_model not in models:
        models.insert(0, body.default_model)
    return Provider(
        id=body.provider,
        kind=body.provider,
        format=str(preset.format),
        base_url=preset.base_url,
        models=models,
        embedding_models=list(preset.embedding_models),
        image_models=list(preset.image_models),
        transcription_models=list(preset.transcription_models),
        speech_models=list(preset.speech_models),
        rerank_models=list(preset.rerank_models),
        moderation_models=list(preset.moderation_models),
        aliases=list(preset.aliases),
        headers={},
        source="api",
        accounts=[],
    )


def details(body: ConnectionIn) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude={"api_key"}) | {
        "credential_changed": body.api_key is not None
    }
