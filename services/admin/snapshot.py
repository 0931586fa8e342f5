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
from collections import defaultdict

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniroute.common.v1 import config_pb2
from omniroute.events.v1 import events_pb2
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.wire.formats import WireFormat
from services.admin import gateway_config as gc
from services.admin.budget_counters import restore_budget_counters
from services.admin.db.models import (
    ApiKey,
    Budget,
    Combo,
    ConfigState,
    CustomModel,
    ModelAlias,
    ModelPrice,
    Provider,
)
from services.admin.settings_groups import GROUPS

log = logging.getLogger(__name__)


async def build_snapshot(
    session: AsyncSession, version: int, secret: bytes
) -> config_pb2.ConfigSnapshot:
    """Every field of ``ConfigSnapshot``, from the database."""
    snapshot = config_pb2.ConfigSnapshot(
        version=version, created_unix_ms=int(time.time() * 1000)
    )
    await _providers(session, snapshot)
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
    for alias in await session.scalars(select(ModelAlias).order_by(ModelAlias.alias)):
        snapshot.aliases.add(alias=alias.alias, target=alias.target)
    for combo in await session.scalars(select(Combo).order_by(Combo.name)):
        snapshot.combos.add(
            name=combo.name,
            strategy=combo.strategy,
            description=combo.description,
            enabled=combo.enabled,
            members=[
                config_pb2.ComboMember(
                    model=str(m.get("model", "")), weight=int(m.get("weight", 1))
                )
                for m in combo.members
            ],
        )
    for price in await session.scalars(
        select(ModelPrice).order_by(ModelPrice.provider, ModelPrice.model)
    ):
        snapshot.prices.add(
            provider=price.provider,
            model=price.model,
            input=price.input,
            output=price.output,
            cached_input=price.cached_input,
            cache_write=price.cache_write,
            cache_write_1h=price.cache_write_1h,
        )
    for group in GROUPS:
        if group.proto is not None:
            group.publish(await gc.load(session, group.schema), snapshot, secret)
    for budget in await session.scalars(select(Budget).order_by(Budget.key_id)):
        snapshot.budgets.add(
            key_id=budget.key_id,
            limit_usd=budget.limit_usd,
            period=budget.period,
            warning_threshold=budget.warning_threshold,
        )
    return snapshot


async def _providers(
    session: AsyncSession, snapshot: config_pb2.ConfigSnapshot
) -> None:
    custom: dict[tuple[str, str], list[str]] = defaultdict(list)
    for model in await session.scalars(select(CustomModel).order_by(CustomModel.id)):
        kind = CUSTOM_MODEL_KINDS.get(model.api_format, "chat")
        custom[(model.provider_id, kind)].append(model.model_id)
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
                # Custom models join the provider's list, so bare names and
                # /v1/models know them.
                models=_merged(provider.models, custom[(provider.id, "chat")]),
                embedding_models=_merged(
                    provider.embedding_models, custom[(provider.id, "embedding")]
                ),
                image_models=_merged(
                    provider.image_models, custom[(provider.id, "image")]
                ),
                transcription_models=_merged(
                    provider.transcription_models, custom[(provider.id, "audio")]
                ),
                speech_models=_merged(
                    provider.speech_models, custom[(provider.id, "speech")]
                ),
                rerank_models=_merged(
                    provider.rerank_models, custom[(provider.id, "rerank")]
                ),
                moderation_models=_merged(
                    provider.moderation_models, custom[(provider.id, "moderation")]
                ),
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
                    for a in sorted(provider.accounts, key=lambda a: (a.priority, a.id))
                ],
            )
        )


# A custom model's API format decides which list it joins.
CUSTOM_MODEL_KINDS = {
    "embeddings": "embedding",
    "images-generations": "image",
    "audio-transcriptions": "audio",
    "audio-speech": "speech",
    "rerank": "rerank",
    "moderations": "moderation",
}


def _merged(own: list[str] | None, added: list[str]) -> list[str]:
    return list(dict.fromkeys([*(own or ()), *added]))


class SnapshotPublisher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        keys: RedisKeys,
        secret: bytes,
    ) -> None:
        self._sessions = sessions
        self._redis = redis
        self._keys = keys
        self._secret = secret
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def publish(self) -> int:
        """Bumps the version and publishes; returns the new version.

        Budget counters are raised to the recorded spend first: a budget set
        on a key that already spent this period starts from that spend, and
        a Redis that lost its data before admin started gets them back.
        """
        async with self._lock, self._sessions() as session, session.begin():
            state = await session.get(ConfigState, 1, with_for_update=True)
            if state is None:
                state = ConfigState(id=1, version=0)
                session.add(state)
            state.version += 1
            snapshot = await build_snapshot(session, state.version, self._secret)
            with contextlib.suppress(RedisError, OSError):
                await restore_budget_counters(session, self._redis, self._keys)
        with contextlib.suppress(RedisError, OSError):
            await self._write(snapshot)
        return snapshot.version

    async def current_version(self) -> int:
        async with self._sessions() as session:
            state = await session.get(ConfigState, 1)
            return state.version if state else 0

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
        """Re-publishes the current version if Redis does not have it.

        Redis without the current version has lost data (or never had it):
        the budget counters the edge keeps there are restored first, so no
        edge admits against a counter that restarted from zero.
        """
        async with self._lock, self._sessions() as session:
            state = await session.get(ConfigState, 1)
            version = state.version if state else 0
            current = await self._redis.get(self._keys.config_version)
            if current is not None and int(current) == version:
                return
            await restore_budget_counters(session, self._redis, self._keys)
            snapshot = await build_snapshot(session, version, self._secret)
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
            except (RedisError, OSError, SQLAlchemyError) as exc:
                if not isinstance(exc, SQLAlchemyError):
                    REDIS_ERRORS.labels("config_publish").inc()
                log.warning("cannot check the published snapshot: %s", exc)
