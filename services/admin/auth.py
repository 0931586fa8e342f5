"""Who may use the management API.

A call is allowed with an API key that has the ``admin`` (or ``manage``)
scope, or with the dashboard's ``auth_token`` cookie; with require-login
turned off, anonymous calls are allowed too. A presented but invalid key is
refused even then: a client that sends credentials wants them checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from omniroute.errors import Forbidden, Unauthorized
from omniroute.runtime.crypto import hash_api_key
from services.admin import gateway_config, logins
from services.admin.context import context
from services.admin.db.models import ApiKey

COOKIE = "auth_token"
ADMIN_SCOPES = frozenset({"admin", "manage"})


@dataclass(frozen=True, slots=True)
class Actor:
    """Recorded as "who" in the audit log."""

    kind: str  # "api_key", "session" or "anonymous"
    id: str = ""
    ip: str = ""

    @property
    def label(self) -> str:
        return f"api_key:{self.id}" if self.kind == "api_key" else self.kind


def presented_key(request: Request) -> str:
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key", "").strip()


async def identify(request: Request) -> Actor | None:
    """The authenticated caller, or None; raises for a bad key."""
    ctx = context(request)
    ip = ctx.client_ip(request)
    token = presented_key(request)
    if token:
        digest = hash_api_key(ctx.settings.secret, token)
        async with ctx.sessions() as session:
            key = await session.scalar(select(ApiKey).where(ApiKey.key_hmac == digest))
        if key is None or key.revoked_at is not None:
            raise Unauthorized("invalid API key", code="invalid_api_key")
        if not ADMIN_SCOPES.intersection(key.scopes):
            raise Forbidden(
                "this API key has no admin scope", code="insufficient_scope"
            )
        return Actor("api_key", key.id, ip)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        async with ctx.sessions() as session:
            if await logins.valid(session, cookie):
                return Actor("session", "", ip)
    return None


async def require_admin(request: Request) -> Actor:
    """Dependency of every management route."""
    actor = await identify(request)
    if actor is not None:
        return actor
    ctx = context(request)
    async with ctx.sessions() as session:
        auth = await gateway_config.load(session, gateway_config.AuthConfig)
    if not auth.require_login:
        return Actor("anonymous", "", ctx.client_ip(request))
    raise Unauthorized(
        "sign in to the dashboard (POST /api/auth/login) or send an admin API "
        "key (Authorization: Bearer <key>, e.g. one from OMNIROUTE_ADMIN_API_KEYS)",
        code="missing_credentials",
    )


async def optional_actor(request: Request) -> Actor:
    """The caller if authenticated, else anonymous (public routes)."""
    try:
        actor = await identify(request)
    except (Unauthorized, Forbidden):
        actor = None
    return actor or Actor("anonymous", "", context(request).client_ip(request))


Admin = Annotated[Actor, Depends(require_admin)]
Anyone = Annotated[Actor, Depends(optional_actor)]
