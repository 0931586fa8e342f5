"""Dashboard login sessions: a random token in the cookie, its hash in the DB.

Stored rather than self-contained (a signed JWT) so logout and a password
change end sessions for real.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from services.admin.db.models import LoginSession


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def create(session: AsyncSession, ip: str, ttl: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    started = now()
    # Housekeeping on the rare write path keeps the table small.
    await session.execute(delete(LoginSession).where(LoginSession.expires_at < started))
    session.add(
        LoginSession(
            token_hash=_digest(token),
            created_at=started,
            expires_at=started + ttl,
            ip=ip[:64],
        )
    )
    return token


async def valid(session: AsyncSession, token: str) -> bool:
    if len(token) > 256:
        return False
    row = await session.get(LoginSession, _digest(token))
    return row is not None and aware(row.expires_at) > now()


async def revoke(session: AsyncSession, token: str) -> None:
    await session.execute(
        delete(LoginSession).where(LoginSession.token_hash == _digest(token))
    )


async def revoke_all(session: AsyncSession) -> None:
    await session.execute(delete(LoginSession))
