"""``/api/providers/{id}/accounts``: several credentials for one provider."""

from __future__ import annotations

import re
import secrets

from fastapi import APIRouter, Response
from pydantic import Field, SecretStr, field_validator

from omniroute.errors import BadRequest, NotFound
from omniroute.runtime.crypto import mask_secret, seal
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import Account, Provider
from services.admin.routes.providers import AccountOut, account_out, get
from services.admin.schemas import SnakeModel

router = APIRouter(prefix="/api/providers", tags=["providers"])
_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class AccountIn(SnakeModel):
    """An account to add, or the new state of one (fields left out keep theirs)."""

    id: str | None = Field(
        None, description="Optional on create; generated when missing"
    )
    name: str | None = Field(None, max_length=128)
    api_key: SecretStr | None = Field(
        None, max_length=8192, description="Stored encrypted, never returned"
    )
    priority: int | None = Field(
        None, ge=1, le=1000, description="Lower is preferred by fill-first"
    )
    enabled: bool | None = None

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str | None) -> str | None:
        if value is not None and not _ACCOUNT_ID.match(value):
            raise ValueError("use 1-64 letters, digits, '.', '_' or '-'")
        return value


def _set_credential(account: Account, secret: bytes, credential: str) -> None:
    account.sealed_credential = seal(secret, credential)
    account.credential_hint = mask_secret(credential) if credential else ""


def _find(provider: Provider, account_id: str) -> Account:
    for account in provider.accounts:
        if account.id == account_id:
            return account
    raise NotFound(
        f"provider '{provider.id}' has no account '{account_id}'", code="not_found"
    )


def _details(body: AccountIn) -> dict[str, object]:
    return body.model_dump(mode="json", exclude={"api_key"}, exclude_none=True) | {
        "credential_changed": body.api_key is not None
    }


@router.get("/{provider_id}/accounts")
async def list_accounts(ctx: Ctx, provider_id: str, _: Admin) -> list[AccountOut]:
    """The provider's accounts in preference order (credentials masked)."""
    async with ctx.sessions() as session:
        provider = await get(session, provider_id)
        return [account_out(a) for a in provider.accounts]


@router.post("/{provider_id}/accounts", status_code=201)
async def add_account(
    ctx: Ctx, provider_id: str, body: AccountIn, actor: Admin
) -> AccountOut:
    """Adds an account; the account strategy spreads traffic over all of them."""
    async with change(
        ctx, actor, "provider.account.create", provider_id, _details(body)
    ) as c:
        provider = await get(c.session, provider_id)
        account_id = body.id or f"{provider_id}-{secrets.token_hex(3)}"
        if await c.session.get(Account, account_id) is not None:
            raise BadRequest(f"id: account '{account_id}' exists", param="id")
        priority = body.priority or 1 + max(
            (a.priority for a in provider.accounts), default=0
        )
        account = Account(
            id=account_id,
            name=body.name or account_id,
            priority=priority,
            enabled=True if body.enabled is None else body.enabled,
        )
        _set_credential(
            account,
            ctx.settings.secret,
            body.api_key.get_secret_value() if body.api_key else "",
        )
        provider.accounts.append(account)
        c.target = f"{provider_id}/{account_id}"
        await c.session.flush()
        result = account_out(account)
    return result


@router.put("/{provider_id}/accounts/{account_id}")
async def update_account(
    ctx: Ctx, provider_id: str, account_id: str, body: AccountIn, actor: Admin
) -> AccountOut:
    """Changes an account; the credential only if ``api_key`` is sent."""
    target = f"{provider_id}/{account_id}"
    async with change(
        ctx, actor, "provider.account.update", target, _details(body)
    ) as c:
        account = _find(await get(c.session, provider_id), account_id)
        if body.name is not None:
            account.name = body.name
        if body.priority is not None:
            account.priority = body.priority
        if body.enabled is not None:
            account.enabled = body.enabled
        if body.api_key is not None:
            _set_credential(
                account, ctx.settings.secret, body.api_key.get_secret_value()
            )
        await c.session.flush()
        result = account_out(account)
    return result


@router.delete("/{provider_id}/accounts/{account_id}", status_code=204)
async def delete_account(
    ctx: Ctx, provider_id: str, account_id: str, actor: Admin
) -> Response:
    """Removes an account."""
    target = f"{provider_id}/{account_id}"
    async with change(ctx, actor, "provider.account.delete", target) as c:
        provider = await get(c.session, provider_id)
        provider.accounts.remove(_find(provider, account_id))
    return Response(status_code=204)
