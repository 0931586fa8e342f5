"""What an executor takes next: interactive dispatches first, background
ones (batch lines) only into the slots beyond a reserve.

Two streams, one consumer group on each: ``dispatch`` for requests a
client waits on, ``dispatch:background`` for the lines of batches. The
reserve (a quarter of the slots) is never given to background work, so a
batch running beside interactive traffic cannot take the slots that
traffic needs; and while interactive entries wait, none of the background
stream's is read at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from omniroute.runtime.redis_keys import DISPATCH_GROUP, RedisKeys
from omniroute.runtime.streams import ConsumerGroup, Fields, entries_of


@dataclass(frozen=True, slots=True)
class Taken:
    """An entry read, with the group it must be acknowledged in."""

    group: ConsumerGroup
    entry_id: bytes
    fields: Fields


def reserve_of(concurrency: int) -> int:
    """Slots kept for interactive work: a quarter, at least one (none for an
    executor of one slot, which would otherwise never run a batch)."""
    return max(1, concurrency // 4) if concurrency > 1 else 0


class Intake:
    def __init__(
        self, redis: Redis, keys: RedisKeys, consumer: str, concurrency: int
    ) -> None:
        self._redis = redis
        self.interactive = ConsumerGroup(redis, keys.dispatch, DISPATCH_GROUP, consumer)
        self.background = ConsumerGroup(
            redis, keys.dispatch_background, DISPATCH_GROUP, consumer
        )
        self._reserve = reserve_of(concurrency)
        self._consumer = consumer

    @property
    def groups(self) -> tuple[ConsumerGroup, ConsumerGroup]:
        return self.interactive, self.background

    async def ensure(self) -> None:
        for group in self.groups:
            await group.ensure()

    async def read(self, free: int, block_ms: int) -> list[Taken]:
        """At most ``free`` entries, interactive first; waits up to
        ``block_ms`` when neither stream has any."""
        spare = free - self._reserve
        if spare <= 0:
            return self._tagged(
                self.interactive, await self.interactive.read(free, block_ms=block_ms)
            )
        waiting = await self.interactive.read(free, block_ms=None)
        if waiting:
            return self._tagged(self.interactive, waiting)
        background = await self.background.read(spare, block_ms=None)
        if background:
            return self._tagged(self.background, background)
        return await self._wait_for_either(block_ms)

    async def _wait_for_either(self, block_ms: int) -> list[Taken]:
        # One entry from each stream at most. With a reserve, two slots are
        # free (spare > 0); an executor of one slot waits for its slot to
        # free before it starts the second (the worker takes a slot per entry).
        response = await self._redis.xreadgroup(
            DISPATCH_GROUP,
            self._consumer,
            {self.interactive.stream: b">", self.background.stream: b">"},
            count=1,
            block=block_ms,
        )
        taken: list[Taken] = []
        for stream, entries in response or ():
            name = stream.decode() if isinstance(stream, bytes) else stream
            group = (
                self.interactive if name == self.interactive.stream else self.background
            )
            taken += self._tagged(group, entries_of([(stream, entries)]))
        return taken

    @staticmethod
    def _tagged(
        group: ConsumerGroup, entries: list[tuple[bytes, Fields]]
    ) -> list[Taken]:
        return [Taken(group, entry_id, fields) for entry_id, fields in entries]
