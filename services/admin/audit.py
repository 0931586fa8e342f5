"""The audit trail: every management change, who made it, from where.

Entries are written in the same transaction as the change they describe,
so a change without its entry (or the reverse) cannot happen. Details are
scrubbed of anything that looks like a secret before they are stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from omniroute.errors import Conflict
from services.admin.auth import Actor
from services.admin.context import AdminContext
from services.admin.db.models import AuditEntry
from services.admin.logins import now

_SECRET_WORDS = ("key", "password", "secret", "token", "credential", "hash")
# Names that contain a secret word but only identify things.
_SAFE = frozenset({"key_id", "keyid", "api_key_id", "keys", "key_prefix", "prefix"})


def scrub(value: Any) -> Any:
    """A copy of ``value`` with secret-looking fields replaced by ``"***"``."""
    if isinstance(value, dict):
        # Only text can be a secret; a flag like credential_changed stays.
        return {
            str(k): "***"
            if _is_secret(str(k)) and isinstance(v, str | bytes) and v
            else scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return lowered not in _SAFE and any(word in lowered for word in _SECRET_WORDS)


def entry(
    actor: Actor, action: str, target: str, details: dict[str, Any] | None = None
) -> AuditEntry:
    return AuditEntry(
        timestamp=now(),
        actor=actor.label[:96],
        action=action[:64],
        target=target[:256],
        details=scrub(details or {}),
        ip=actor.ip[:64],
    )


@dataclass(slots=True)
class Change:
    """An open change: its session, and details that end in the audit entry."""

    session: AsyncSession
    target: str
    details: dict[str, Any] = field(default_factory=dict)


@asynccontextmanager
async def change(
    ctx: AdminContext,
    actor: Actor,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    *,
    publish: bool = True,
) -> AsyncIterator[Change]:
    """One management change: a transaction, its audit entry, a new snapshot.

    The snapshot is published after the commit, so followers never see a
    version the database does not hold.
    """
    try:
        async with ctx.sessions() as session, session.begin():
            current = Change(session, target, dict(details or {}))
            yield current
            session.add(entry(actor, action, current.target, current.details))
    except (IntegrityError, StaleDataError):
        # Two changes raced (both created the same row, or one removed the
        # row the other was changing), or one removed what the other refers
        # to: nothing was written; the client may retry.
        raise Conflict(
            f"{action}: another change to '{target or 'it'}' happened at the same "
            "time, or it refers to something just removed; nothing was saved, retry"
        ) from None
    if publish:
        await ctx.publisher.publish()


async def record(
    ctx: AdminContext,
    actor: Actor,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """An audit entry for an event that changes nothing else (a failed login)."""
    async with ctx.sessions() as session, session.begin():
        session.add(entry(actor, action, target, details))
