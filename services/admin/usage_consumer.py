"""Consumes ``events.usage`` into the database, acknowledging after commit.

Nothing accepted is lost: an event leaves the stream's pending list only once
its row is committed, and a restarted admin first re-reads what it had taken
but not committed. Rows are keyed by request id, so a redelivered event is
ignored rather than counted twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniroute.events.v1 import events_pb2
from omniroute.runtime import telemetry
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import EVENTS_GROUP, RedisKeys
from omniroute.runtime.streams import (
    EVENT_FIELD,
    NEW,
    OWN_PENDING,
    ConsumerGroup,
    Entry,
    usage_event_of,
)
from omniroute.wire.formats import WireFormat
from services.admin import metrics
from services.admin.db.models import UsageRecord

log = logging.getLogger(__name__)

__all__ = ["EVENT_FIELD", "UsageConsumer", "usage_row"]

_BATCH = 500
_GATHER_S = 0.05


def usage_row(event: events_pb2.UsageEvent) -> dict[str, Any]:
    usage = event.usage
    try:
        client_format = str(WireFormat.from_proto(event.client_format))
    except ValueError:
        client_format = ""
    return {
        "request_id": event.request_id,
        "timestamp": datetime.fromtimestamp(event.timestamp_unix_ms / 1000, UTC),
        "api_key_id": event.api_key_id,
        "endpoint": event.endpoint,
        "client_format": client_format,
        "requested_model": event.requested_model,
        "provider_id": event.provider_id,
        "account_id": event.account_id,
        "model": event.model,
        "status": event.status,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "cached_tokens": usage.cached_tokens,
        "cache_creation_tokens": usage.cache_creation_tokens,
        "cache_creation_1h_tokens": usage.cache_creation_1h_tokens,
        "cache_saved_usd": max(event.cache_saved_usd, 0.0),
        "reasoning_tokens": usage.reasoning_tokens,
        "latency_ms": event.latency_ms,
        "upstream_latency_ms": event.upstream_latency_ms,
        "ttft_ms": event.ttft_ms,
        "stream": event.stream,
        "cache": event.cache,
        "fallbacks": event.fallbacks,
        "attempts": event.attempts,
        "interrupted_calls": event.interrupted_calls,
        "error_message": event.error_message,
        # Negative means the model has no price: unknown, not free.
        "cost_usd": event.cost_usd if event.cost_usd >= 0 else None,
        "session_id": event.session_id[:128],
        "kind": event.kind or "chat",
    }


class UsageConsumer:
    def __init__(
        self,
        redis: Redis,
        keys: RedisKeys,
        sessions: async_sessionmaker[AsyncSession],
        consumer: str,
    ) -> None:
        self._group = ConsumerGroup(redis, keys.usage_events, EVENTS_GROUP, consumer)
        self._sessions = sessions
        self.written = 0
        self._lag_measured = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.1
        while not stop.is_set():
            try:
                await self._group.ensure()
                # Our own pending entries first (read before a crash), then new ones.
                await self._drain_from(OWN_PENDING, stop)
                await self._drain_from(NEW, stop)
            except (RedisError, OSError, SQLAlchemyError) as exc:
                if not isinstance(exc, SQLAlchemyError):
                    REDIS_ERRORS.labels("usage_events").inc()
                log.warning("usage events wait: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            backoff = 0.1

    async def _drain_from(self, start: bytes, stop: asyncio.Event) -> None:
        while not stop.is_set():
            entries = await self._group.read(
                _BATCH, block_ms=1000 if start == NEW else None, start=start
            )
            if not entries:
                if start != NEW:
                    return  # no more pending entries of ours
                await self._measure_lag()
                continue
            await self._commit(entries)
            if start == NEW and len(entries) < _BATCH:
                # A trickle: let events gather a moment so one transaction
                # writes many (usage shows up at most this much later).
                await asyncio.sleep(_GATHER_S)

    async def _commit(self, entries: list[Entry]) -> None:
        rows = []
        events = []
        for _, fields in entries:
            payload = usage_event_of(fields)
            if payload is None:
                continue
            try:
                event = events_pb2.UsageEvent.FromString(payload)
                rows.append(usage_row(event))
            except Exception:
                log.error("skipping an unreadable usage event")
                continue
            events.append(event)
        started = time.time_ns()
        if rows:
            async with self._sessions() as session, session.begin():
                # One statement, many parameter sets: compiled once and cached,
                # instead of a new N-row VALUES statement to compile per batch.
                await session.execute(_insert_ignoring_duplicates(session), rows)
        await self._group.ack(*(entry_id for entry_id, _ in entries))
        self.written += len(rows)
        metrics.USAGE_EVENTS_WRITTEN.inc(len(rows))
        if telemetry.enabled():
            finished = time.time_ns()
            for event in events:
                telemetry.record_span(
                    "admin.record_usage",
                    event.trace,
                    started,
                    finished,
                    {"omniroute.request_id": event.request_id},
                )
        await self._measure_lag()

    async def _measure_lag(self) -> None:
        # Once a second is plenty for a gauge, and spares a command per batch.
        now = time.monotonic()
        if now - self._lag_measured < 1.0:
            return
        self._lag_measured = now
        metrics.USAGE_EVENTS_LAG.set((await self._group.state()).lag)


def _insert_ignoring_duplicates(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(UsageRecord).on_conflict_do_nothing(index_elements=["request_id"])
