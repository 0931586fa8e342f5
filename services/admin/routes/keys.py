"""``/api/keys``: client API keys. The key is shown once; only its HMAC is kept.

Every change publishes a new snapshot before answering, so the edges
accept a new key (or refuse a revoked one) as soon as they reload it.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniroute.errors import BadRequest, NotFound
from omniroute.runtime.crypto import hash_api_key, new_api_key
from services.admin.audit import change
from services.admin.auth import ADMIN_SCOPES, Actor, Admin
from services.admin.context import Ctx
from services.admin.db.models import ApiKey
from services.admin.logins import now
from services.admin.schemas import SnakeModel, with_camel_twins

router = APIRouter(prefix="/api/keys", tags=["keys"])
_SCOPE = re.compile(r"^[a-z][a-z0-9:_.-]{0,63}$")
PREFIX_CHARS = 12


def _check_scopes(values: list[str]) -> list[str]:
    for value in values:
        if not _SCOPE.match(value):
            raise ValueError(f"'{value}' is not a scope name (e.g. 'admin')")
    return sorted(set(values))


def check_models(values: list[str]) -> list[str]:
    cleaned = [v.strip() for v in values if v.strip()]
    if any(len(v) > 256 for v in cleaned):
        raise ValueError("model names are at most 256 characters")
    return list(dict.fromkeys(cleaned))


class KeyIn(SnakeModel):
    """A key to create."""

    name: str = Field("", max_length=128)
    scopes: list[str] = Field(
        default_factory=list, max_length=16, description="e.g. ['admin']"
    )
    allowed_models: list[str] = Field(
        default_factory=list, max_length=1000, description="Empty: every model"
    )
    rpm_limit: int = Field(0, ge=0, le=10**7, description="Requests/minute; 0: none")
    tpm_limit: int = Field(0, ge=0, le=10**12, description="Tokens/minute; 0: none")
    no_log: bool = Field(False, description="The original's content-logging opt-out")

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, values: list[str]) -> list[str]:
        return _check_scopes(values)

    @field_validator("allowed_models")
    @classmethod
    def _models(cls, values: list[str]) -> list[str]:
        return check_models(values)


class KeyUpdate(SnakeModel):
    """New values; fields left out keep theirs."""

    name: str | None = Field(None, max_length=128)
    scopes: list[str] | None = Field(None, max_length=16)
    allowed_models: list[str] | None = Field(None, max_length=1000)
    rpm_limit: int | None = Field(None, ge=0, le=10**7)
    tpm_limit: int | None = Field(None, ge=0, le=10**12)
    no_log: bool | None = None

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _check_scopes(values)

    @field_validator("allowed_models")
    @classmethod
    def _models(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else check_models(values)


class KeyOut(BaseModel):
    id: str
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it")
    scopes: list[str]
    allowed_models: list[str]
    rpm_limit: int
    tpm_limit: int
    no_log: bool
    source: str
    revoked: bool
    revoked_at: datetime | None
    created_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            scopes=list(key.scopes),
            allowed_models=list(key.allowed_models),
            rpm_limit=key.rpm_limit,
            tpm_limit=key.tpm_limit,
            no_log=key.no_log,
            source=key.source,
            revoked=key.revoked_at is not None,
            revoked_at=key.revoked_at,
            created_at=key.created_at,
        )

    @model_serializer(mode="wrap")
    def _original_names(self, handler: SerializerFunctionWrapHandler) -> Any:
        # The original OmniRoute's callers read camelCase (noLog, createdAt).
        return with_camel_twins(handler(self))


class ListedKey(KeyOut):
    """A key in the list, also under the original OmniRoute's names: the
    masked ``key`` and ``isActive``."""

    key: str = Field(description="Masked: the prefix and asterisks")
    is_active: bool

    @classmethod
    def listed(cls, key: ApiKey) -> ListedKey:
        return cls(
            **dict(KeyOut.of(key)),
            key=f"{key.prefix}****",
            is_active=key.revoked_at is None,
        )


class KeyList(BaseModel):
    keys: list[ListedKey]
    total: int


class CreatedKey(KeyOut):
    key: str = Field(description="The full key: shown this once, never again")


def _not_own_key(actor: Actor, key_id: str, what: str) -> None:
    # Revoking the key a call is made with locks its holder out of the
    # management API mid-operation; ask for another credential instead.
    if actor.kind == "api_key" and actor.id == key_id:
        raise BadRequest(
            f"this is the key you are calling with; {what} it with another admin "
            "credential (another admin key or the dashboard login)",
            code="own_key",
        )


async def get_key(session: AsyncSession, key_id: str) -> ApiKey:
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"no API key '{key_id}'", code="not_found")
    return key


@router.get("")
async def list_keys(ctx: Ctx, _: Admin) -> KeyList:
    """Every key, by prefix only, as ``{"keys": [...], "total": n}``."""
    async with ctx.sessions() as session:
        keys = [
            ListedKey.listed(k)
            for k in await session.scalars(select(ApiKey).order_by(ApiKey.created_at))
        ]
        return KeyList(keys=keys, total=len(keys))


@router.post("", status_code=201)
async def create_key(ctx: Ctx, body: KeyIn, actor: Admin) -> CreatedKey:
    """Creates a key and returns it in full, this once."""
    secret_key = new_api_key()
    key_id = "key_" + secrets.token_hex(6)
    async with change(
        ctx, actor, "api_key.create", key_id, body.model_dump(mode="json")
    ) as c:
        key = ApiKey(
            id=key_id,
            name=body.name,
            key_hmac=hash_api_key(ctx.settings.secret, secret_key),
            prefix=secret_key[:PREFIX_CHARS],
            scopes=body.scopes,
            allowed_models=body.allowed_models,
            rpm_limit=body.rpm_limit,
            tpm_limit=body.tpm_limit,
            no_log=body.no_log,
            source="api",
        )
        c.session.add(key)
        await c.session.flush()
        await c.session.refresh(key)
        result = CreatedKey(**dict(KeyOut.of(key)), key=secret_key)
    return result


@router.get("/{key_id}")
async def get_key_route(ctx: Ctx, key_id: str, _: Admin) -> KeyOut:
    """One key, by prefix only."""
    async with ctx.sessions() as session:
        return KeyOut.of(await get_key(session, key_id))


@router.patch("/{key_id}")
@router.put("/{key_id}")
async def update_key(ctx: Ctx, key_id: str, body: KeyUpdate, actor: Admin) -> KeyOut:
    """Changes a key's name, scopes, allowed models, limits or ``no_log``
    (PATCH, the original's verb, is the same)."""
    changes = body.model_dump(mode="json", exclude_none=True)
    if body.scopes is not None and not ADMIN_SCOPES.intersection(body.scopes):
        _not_own_key(actor, key_id, "remove the admin scope of")
    async with change(ctx, actor, "api_key.update", key_id, changes) as c:
        key = await get_key(c.session, key_id)
        for name, value in changes.items():
            setattr(key, name, value)
        await c.session.flush()
        result = KeyOut.of(key)
    return result


@router.post("/{key_id}/revoke")
async def revoke_key(ctx: Ctx, key_id: str, actor: Admin) -> KeyOut:
    """Revokes a key: the edges refuse it as soon as they load the new snapshot."""
    _not_own_key(actor, key_id, "revoke")
    async with change(ctx, actor, "api_key.revoke", key_id) as c:
        key = await get_key(c.session, key_id)
        if key.revoked_at is None:
            key.revoked_at = now()
        result = KeyOut.of(key)
    return result


@router.delete("/{key_id}", status_code=204)
async def delete_key(ctx: Ctx, key_id: str, actor: Admin) -> Response:
    """Deletes a key (and its budget). Keys from the environment come back at
    the next start: remove them from ``OMNIROUTE_API_KEYS`` as well."""
    _not_own_key(actor, key_id, "delete")
    async with change(ctx, actor, "api_key.delete", key_id) as c:
        await c.session.delete(await get_key(c.session, key_id))
    return Response(status_code=204)
