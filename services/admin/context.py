"""What the composition root hands every route: one typed object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from omniroute.blobs import BlobStore
from omniroute.netaddr import IPNetwork, client_address, parse_networks
from omniroute.runtime.crypto import (
    CLIENT_HEADER,
    CLIENT_SIGNATURE_HEADER,
    signed_client,
)
from omniroute.runtime.redis_keys import RedisKeys
from services.admin.batches.jobs import BatchJobs
from services.admin.login_guard import LoginGuard
from services.admin.settings import AdminSettings
from services.admin.snapshot import SnapshotPublisher


@dataclass(slots=True)
class AdminContext:
    settings: AdminSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    keys: RedisKeys
    publisher: SnapshotPublisher
    login_guard: LoginGuard
    # The bytes of /v1/files (uploads and batch results).
    blobs: BlobStore
    # Queues the jobs that run /v1/batches.
    batches: BatchJobs
    # Asks the server to stop (POST /api/shutdown); set by __main__.
    request_shutdown: Callable[[], None]
    # Re-runs start-up configuration (POST /api/restart).
    restart: Callable[[], Awaitable[None]] | None = None
    trusted_proxies: list[IPNetwork] = field(default_factory=list)

    def client_ip(self, request: Request) -> str:
        """The peer; the edge's client when the edge signed it; or what a
        configured proxy (``TRUSTED_PROXIES``) says it saw."""
        peer = request.client.host if request.client else ""
        claimed = request.headers.get(CLIENT_HEADER, "")
        signature = request.headers.get(CLIENT_SIGNATURE_HEADER, "")
        if claimed and signed_client(self.settings.secret, claimed, signature):
            return claimed
        return client_address(
            peer, request.headers.getlist("x-forwarded-for"), self.trusted_proxies
        )

    @staticmethod
    def trusted(settings: AdminSettings) -> list[IPNetwork]:
        return parse_networks(settings.trusted_proxies.split(","))


def context(request: Request) -> AdminContext:
    """The app's ``AdminContext``: the only thing admin keeps in ``app.state``."""
    ctx: AdminContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AdminContext, Depends(context)]
