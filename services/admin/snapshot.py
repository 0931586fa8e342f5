"""Publishes the configuration snapshot that every other service follows.

On every change admin bumps the version in the database, writes the whole
snapshot and its version to Redis in one transaction, and announces it on the
config channel. A periodic check re-publishes when Redis lost it (restart
without persistence, flush), so followers heal without admin's help.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniroute.common.v1 import config_pb2
from omniroute.events.v1 import events_pb2
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.wire.formats import WireFormat
from services.admin.db.models import ApiKey, ConfigState, Provider

log = logging.getLogger(__name__)


async def build_snapshot(
    session: AsyncSession, version: int
) -> config_pb2.ConfigSnapshot:
    snapshot = config_pb2.ConfigSnapshot(
        version=version, created_unix_ms=int(time.time() * 1000)
    )
    for provider in (
        await session.scalars(select(Provider).order_by(Provider.id))
    ).all():
        snapshot.providers.append(
            config_pb2.Provider(
                id=provider.id,
                kind=provider.kind,
                format=WireFormat(provider.format).to_proto(),
                base_url=provider.base_url,
                aliases=provider.aliases,
                models=provider.models,
                enabled=provider.enabled,
                display_name=provider.display_name,
                headers={str(k): str(v) for k, v in provider.headers.items()},
                accounts=[
                    config_pb2.Account(
                        id=a.id,
                        name=a.name,
                        sealed_credential=a.sealed_credential,
                        priority=a.priority,
                        enabled=a.enabled,
                    )
                    for a in provider.accounts
                ],
            )
        )
    for key in (await session.scalars(select(ApiKey).order_by(ApiKey.id))).all():
        snapshot.api_keys.append(
            config_pb2.ApiKey(
                id=key.id,
                name=key.name,
                key_hmac=key.key_hmac,
                scopes=key.scopes,
                allowed_models=key.allowed_models,
                rpm_limit=key.rpm_limit,
                tpm_limit=key.tpm_limit,
                revoked=key.revoked_at is not None,
            )
        )
    return snapshot


class SnapshotPublisher:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], redis: Redis, keys: RedisKeys
    ) -> None:
        self._sessions = sessions
        self._redis = redis
        self._keys = keys
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def publish(self) -> int:
        """Bumps the version and publishes; returns the new version."""
        async with self._lock, self._sessions() as session, session.begin():
            state = await session.get(ConfigState, 1, with_for_update=True)
            if state is None:
                state = ConfigState(id=1, version=0)
                session.add(state)
            state.version += 1
            snapshot = await build_snapshot(session, state.version)
        with contextlib.suppress(RedisError, OSError):
            await self._write(snapshot)
        return snapshot.version

    async def _write(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.config_snapshot, snapshot.SerializeToString())
            pipe.set(self._keys.config_version, snapshot.version)
            pipe.publish(
                self._keys.config_channel,
                events_pb2.ConfigChanged(version=snapshot.version).SerializeToString(),
            )
            await pipe.execute()
        log.info(
            "config snapshot published", extra={"config_version": snapshot.version}
        )

    async def ensure_published(self) -> None:
        """Re-publishes the current version if Redis does not have it."""
        async with self._lock, self._sessions() as session:
            state = await session.get(ConfigState, 1)
            version = state.version if state else 0
            current = await self._redis.get(self._keys.config_version)
            if current is not None and int(current) == version:
                return
            snapshot = await build_snapshot(session, version)
        await self._write(snapshot)

    def start(self, interval: float = 2.0) -> None:
        self._task = asyncio.create_task(self._heal(interval), name="snapshot-heal")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _heal(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.ensure_published()
            except (RedisError, OSError) as exc:
                log.warning("cannot check the published snapshot: %s", exc)
