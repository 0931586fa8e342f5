"""The stream contract on a real Redis (every test under its own key prefix)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from omniroute.runtime import streams
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.runtime.streams import NEW, OWN_PENDING, ConsumerGroup


def group(redis: Redis, keys: RedisKeys, consumer: str = "a") -> ConsumerGroup:
    return ConsumerGroup(redis, keys.dispatch, "workers", consumer)


async def test_ensure_group_creates_the_stream_once(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    await streams.ensure_group(redis, redis_keys.dispatch, "workers")
    await streams.ensure_group(redis, redis_keys.dispatch, "workers")  # BUSYGROUP
    assert await redis.exists(redis_keys.dispatch)
    state = await streams.group_state(redis, redis_keys.dispatch, "workers")
    assert (state.pending, state.lag) == (0, 0)


async def test_ensure_group_raises_every_other_error(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    await redis.set(redis_keys.dispatch, "not a stream")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await streams.ensure_group(redis, redis_keys.dispatch, "workers")


async def test_entries_are_read_once_in_order_at_most_count(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    workers = group(redis, redis_keys)
    await workers.ensure()
    for n in range(3):
        await redis.xadd(redis_keys.dispatch, streams.dispatch_fields(b"%d" % n))
    first = await workers.read(2, block_ms=10)
    rest = await workers.read(10, block_ms=10)
    assert [streams.dispatch_of(f) for _, f in first] == [b"0", b"1"]
    assert [streams.dispatch_of(f) for _, f in rest] == [b"2"]
    assert await workers.read(10, block_ms=10) == []  # blocked 10 ms: nothing


async def test_pending_entries_are_read_again_until_acknowledged(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    workers = group(redis, redis_keys)
    await workers.ensure()
    await redis.xadd(redis_keys.dispatch, streams.dispatch_fields(b"x"))
    [(entry_id, _)] = await workers.read(10, block_ms=10)
    again = await workers.read(10, block_ms=None, start=OWN_PENDING)
    assert [e for e, _ in again] == [entry_id]
    assert (await workers.state()).pending == 1
    await workers.ack(entry_id)
    assert await workers.read(10, block_ms=None, start=OWN_PENDING) == []
    assert (await workers.state()).pending == 0


async def test_an_ack_can_ride_another_pipeline(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    workers = group(redis, redis_keys)
    await workers.ensure()
    await redis.xadd(redis_keys.dispatch, streams.dispatch_fields(b"x"))
    [(entry_id, _)] = await workers.read(10, block_ms=10)
    reply_to = redis_keys.replies("edge-1")
    async with redis.pipeline(transaction=False) as pipe:
        pipe.xadd(reply_to, streams.reply_fields(b"req-1", b"batch"))
        workers.ack_in(pipe, entry_id)
        await pipe.execute()
    assert (await workers.state()).pending == 0


async def test_idle_entries_of_another_consumer_can_be_claimed(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    dead, live = group(redis, redis_keys, "dead"), group(redis, redis_keys, "live")
    await dead.ensure()
    await redis.xadd(redis_keys.dispatch, streams.dispatch_fields(b"orphan"))
    [(entry_id, _)] = await dead.read(10, block_ms=10)
    [pending] = await live.idle(min_idle_ms=0)
    assert (pending.entry_id, pending.consumer) == (entry_id, "dead")
    # Not idle long enough: left where it is.
    assert await live.claim([entry_id], min_idle_ms=60_000) == []
    claimed = await live.claim([entry_id], min_idle_ms=0)
    assert [(e, streams.dispatch_of(f)) for e, f in claimed] == [(entry_id, b"orphan")]
    mine = await live.read(10, block_ms=None, start=OWN_PENDING)
    assert [e for e, _ in mine] == [entry_id]
    assert await dead.read(10, block_ms=None, start=OWN_PENDING) == []


async def test_state_counts_what_no_consumer_has_read_as_lag(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    workers = group(redis, redis_keys)
    await workers.ensure()
    for _ in range(3):
        await redis.xadd(redis_keys.dispatch, streams.dispatch_fields(b"x"))
    await workers.read(1, block_ms=10)
    state = await workers.state()
    assert (state.pending, state.lag) == (1, 2)
    other = await streams.group_state(redis, redis_keys.dispatch, "nobody")
    assert (other.pending, other.lag) == (0, 0)


async def test_reply_entries_name_their_request_and_keepalives_none(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    stream = redis_keys.replies("edge-1")
    first = await redis.xadd(stream, streams.keepalive_fields())
    await redis.xadd(stream, streams.reply_fields(b"req-1", b"batch-1"))
    await redis.xadd(stream, streams.reply_fields(b"req-2", b"batch-2"))
    after = await streams.read_after(redis, stream, first, count=10, block_ms=10)
    assert [
        (streams.reply_request_id(f), streams.reply_batch_of(f)) for _, f in after
    ] == [(b"req-1", b"batch-1"), (b"req-2", b"batch-2")]
    newest = await streams.recent(redis, stream, count=3)
    assert [streams.reply_request_id(f) for _, f in newest] == [b"req-2", b"req-1", b""]


async def test_usage_entries_hold_one_event(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    stream = redis_keys.usage_events
    await redis.xadd(stream, streams.usage_fields(b"event"))
    await redis.xadd(stream, {b"other": b"1"})
    entries = await streams.read_after(redis, stream, "0", count=10, block_ms=10)
    assert [streams.usage_event_of(f) for _, f in entries] == [b"event", None]


async def test_reading_new_entries_is_the_default(
    redis: Redis, redis_keys: RedisKeys
) -> None:
    workers = group(redis, redis_keys)
    await workers.ensure()
    await redis.xadd(redis_keys.dispatch, streams.dispatch_fields(b"x"))
    assert len(await workers.read(10, block_ms=10, start=NEW)) == 1
