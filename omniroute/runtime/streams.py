"""The Redis stream contract: what each stream entry holds, and how it is read.

Stream names come from ``RedisKeys``; this module says what goes in them.
Field names are one letter because every request writes several entries and
Redis keeps the names in every entry (listpacks do not share them):

- ``dispatch`` (edge → executors, group ``DISPATCH_GROUP``): ``d`` = a
  ``Dispatch``.
- ``replies:{edge_id}`` (executors → one edge, plain ``XREAD``): ``i`` = the
  request id, ``b`` = a ``ReplyBatch``; the edge's own keep-alive entries
  hold ``heartbeat`` and nothing else.
- ``events.usage`` (edge → admin, group ``EVENTS_GROUP``): ``e`` = a
  ``UsageEvent``.

Consumers share taskiq-redis's shape (``ConsumerGroup``): the group is
created ignoring only ``BUSYGROUP``, entries are read with ``XREADGROUP``
with ``BLOCK``/``COUNT``, acknowledged after the work is done, and entries
idle in a dead consumer's pending list are claimed by a live one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ResponseError
from redis.typing import StreamIdT

DISPATCH_FIELD = b"d"
REQUEST_FIELD = b"i"
REPLY_FIELD = b"b"
KEEPALIVE_FIELD = b"heartbeat"
EVENT_FIELD = b"e"

# XREADGROUP ids: entries never delivered to any consumer, or (from the
# start) this consumer's own pending entries.
NEW = b">"
OWN_PENDING = b"0"

Fields = dict[bytes, bytes]
Entry = tuple[bytes, Fields]


# -- entries -----------------------------------------------------------------
def dispatch_fields(dispatch: bytes) -> dict[Any, Any]:
    """The entry of one serialized ``Dispatch``."""
    return {DISPATCH_FIELD: dispatch}


def dispatch_of(fields: Fields) -> bytes:
    """The serialized ``Dispatch`` of an entry (empty when it holds none)."""
    return fields.get(DISPATCH_FIELD, b"")


def reply_fields(request_id: bytes, batch: bytes) -> dict[Any, Any]:
    """The entry of one serialized ``ReplyBatch`` of request ``request_id``."""
    return {REQUEST_FIELD: request_id, REPLY_FIELD: batch}


def keepalive_fields() -> dict[Any, Any]:
    """An edge's keep-alive entry on its reply stream (it belongs to no request)."""
    return {KEEPALIVE_FIELD: b"1"}


def reply_request_id(fields: Fields) -> bytes:
    """The request a reply entry belongs to (empty for a keep-alive)."""
    return fields.get(REQUEST_FIELD, b"")


def reply_batch_of(fields: Fields) -> bytes:
    """The serialized ``ReplyBatch`` of a reply entry."""
    return fields[REPLY_FIELD]


def usage_fields(event: bytes) -> dict[Any, Any]:
    """The entry of one serialized ``UsageEvent``."""
    return {EVENT_FIELD: event}


def usage_event_of(fields: Fields) -> bytes | None:
    """The serialized ``UsageEvent`` of an entry, None when it holds none."""
    return fields.get(EVENT_FIELD)


# -- reading -----------------------------------------------------------------
def entries_of(response: Any) -> list[Entry]:
    """The entries of an ``XREAD``/``XREADGROUP`` answer, streams flattened."""
    return [entry for _, stream_entries in response or () for entry in stream_entries]


async def ensure_group(redis: Redis, stream: str, group: str) -> None:
    """Creates the consumer group (and the stream) unless the group exists."""
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def read_after(
    redis: Redis, stream: str, last_id: bytes | str, count: int, block_ms: int
) -> list[Entry]:
    """Entries after ``last_id`` (plain ``XREAD``, no group), waiting up to
    ``block_ms`` for the first."""
    return entries_of(await redis.xread({stream: last_id}, count=count, block=block_ms))


async def recent(redis: Redis, stream: str, count: int) -> list[Entry]:
    """The last ``count`` entries of ``stream``, newest first."""
    entries: list[Entry] = await redis.xrevrange(stream, count=count)
    return entries


@dataclass(frozen=True, slots=True)
class Pending:
    """An entry delivered to a consumer and not acknowledged yet."""

    entry_id: bytes
    consumer: str
    idle_ms: int
    # Times the entry was handed to a consumer (XREADGROUP or XCLAIM).
    deliveries: int = 1


@dataclass(frozen=True, slots=True)
class GroupState:
    pending: int
    lag: int


@dataclass(frozen=True, slots=True)
class ConsumerGroup:
    """One consumer of one group on one stream."""

    redis: Redis
    stream: str
    group: str
    consumer: str

    async def ensure(self) -> None:
        """Creates the group (and the stream) unless it exists."""
        await ensure_group(self.redis, self.stream, self.group)

    async def read(
        self, count: int, block_ms: int | None, start: bytes = NEW
    ) -> list[Entry]:
        """Up to ``count`` entries: new ones (``NEW``, waiting up to
        ``block_ms``), or this consumer's pending ones (``OWN_PENDING``)."""
        response = await self.redis.xreadgroup(
            self.group,
            self.consumer,
            {self.stream: start},
            count=count,
            block=block_ms,
        )
        return entries_of(response)

    async def ack(self, *entry_ids: bytes) -> None:
        if entry_ids:
            await self.redis.xack(self.stream, self.group, *entry_ids)

    def ack_in(self, pipe: Pipeline, *entry_ids: bytes) -> None:
        """Adds the ``XACK`` to ``pipe`` (sent with the final reply)."""
        pipe.xack(self.stream, self.group, *entry_ids)

    async def idle(self, min_idle_ms: int, count: int = 100) -> list[Pending]:
        """Pending entries of any consumer idle at least ``min_idle_ms``."""
        rows = await self.redis.xpending_range(
            self.stream, self.group, min="-", max="+", count=count, idle=min_idle_ms
        )
        return [
            Pending(
                row["message_id"],
                _text(row["consumer"]),
                int(row["time_since_delivered"]),
                int(row["times_delivered"]),
            )
            for row in rows
        ]

    async def claim(self, entry_ids: list[bytes], min_idle_ms: int) -> list[Entry]:
        """Takes over the entries still idle ``min_idle_ms`` (``XCLAIM``): an
        entry another consumer claimed meanwhile is left to it."""
        if not entry_ids:
            return []
        ids: list[StreamIdT] = list(entry_ids)
        claimed: list[Entry] = await self.redis.xclaim(
            self.stream,
            self.group,
            self.consumer,
            min_idle_time=min_idle_ms,
            message_ids=ids,
        )
        return claimed

    async def state(self) -> GroupState:
        """Entries delivered but not acknowledged, and entries not delivered."""
        return await group_state(self.redis, self.stream, self.group)


async def group_state(redis: Redis, stream: str, group: str) -> GroupState:
    """Pending and lag of ``group`` (zeros when it does not exist)."""
    for info in await redis.xinfo_groups(stream):
        if _text(info.get("name")) == group:
            return GroupState(int(info.get("pending") or 0), int(info.get("lag") or 0))
    return GroupState(0, 0)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value
