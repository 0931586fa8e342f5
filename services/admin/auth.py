"""Who may use the management API."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select

from omniroute.errors import Forbidden, Unauthorized
from omniroute.runtime.crypto import hash_api_key
from services.admin.db.models import ApiKey


@dataclass(frozen=True, slots=True)
class Actor:
    """Recorded as "who" in the audit log."""

    kind: str
    id: str


async def require_admin(request: Request) -> Actor:
    """A management call needs an API key with the ``admin`` scope."""
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    token = token.strip() or request.headers.get("x-api-key", "").strip()
    if scheme.lower() != "bearer" and not request.headers.get("x-api-key"):
        token = ""
    if not token:
        raise Unauthorized(
            "the management API needs an admin API key "
            "(Authorization: Bearer <key>, e.g. one from OMNIROUTE_ADMIN_API_KEYS)",
            code="missing_credentials",
        )
    state = request.app.state
    digest = hash_api_key(state.settings.secret, token)
    async with state.sessions() as session:
        key = await session.scalar(select(ApiKey).where(ApiKey.key_hmac == digest))
    if key is None or key.revoked_at is not None:
        raise Unauthorized("invalid API key", code="invalid_api_key")
    if "admin" not in key.scopes:
        raise Forbidden("this API key has no admin scope", code="insufficient_scope")
    return Actor("api_key", key.id)
