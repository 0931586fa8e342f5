"""The executor's consumer loop on the ``dispatch`` stream.

Consumer-group shape (taskiq-redis / arq): the group is created once
(``BUSYGROUP`` ignored), entries are read with ``XREADGROUP … BLOCK`` only as
many as there are free slots (bounded concurrency: the backlog waits in
Redis, visible to every edge), each is acknowledged after its final reply,
and entries held by an executor whose heartbeat expired are reclaimed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import orjson
from opentelemetry import trace
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError, ResponseError

from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.runtime import channel, telemetry
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.outbox import Outbox
from omniroute.runtime.redis_keys import (
    HEARTBEAT_TTL_SECONDS,
    RedisKeys,
)
from omniroute.runtime.streams import (
    ConsumerGroup,
    dispatch_of,
    recent,
    reply_request_id,
)
from services.executor import metrics
from services.executor.attempt import Ack
from services.executor.failures import executor_error, executor_stopped
from services.executor.intake import Intake
from services.executor.reply import ReplyWriter
from services.executor.runner import PlanRunner
from services.executor.settings import ExecutorSettings

log = logging.getLogger(__name__)

# How far back a reclaiming executor looks for a dispatch's replies.
_REPLIES_SCANNED = 20_000
# An idle executor's read returns this often, so a stop is noticed within it.
READ_BLOCK_MS = 1000
# How often an executor looks for the entries of executors that died.
_RECLAIM_SCAN_S = 0.5


def connection_name(executor_id: str) -> str:
    """The name an executor's Redis connections carry: while one is open,
    the executor is alive; a killed process's connections close at once."""
    return f"omniroute-executor:{executor_id}"


class Worker:
    def __init__(
        self,
        redis: Redis,
        keys: RedisKeys,
        runner: PlanRunner,
        settings: ExecutorSettings,
        *,
        block_ms: int = READ_BLOCK_MS,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._block_ms = block_ms
        self._runner = runner
        self._settings = settings
        self._id = settings.executor_id
        self._intake = Intake(redis, keys, self._id, settings.concurrency)
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._outbox = Outbox(redis)
        self._tasks: set[asyncio.Task[None]] = set()
        # The task serving each request id, and the ids whose client left.
        self._serving: dict[str, asyncio.Task[None]] = {}
        self._abandoned: set[str] = set()
        self.served = 0
        # monotonic time of the last heartbeat Redis accepted: /healthz uses it.
        self.last_heartbeat = 0.0

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    @property
    def alive(self) -> bool:
        """Heart-beating: Redis reachable and the loop running."""
        return time.monotonic() - self.last_heartbeat < HEARTBEAT_TTL_SECONDS

    async def run(self, stop: asyncio.Event) -> None:
        """Consumes until ``stop`` is set, then drains what it holds."""
        # The heartbeat outlives the drain: while it beats, no other executor
        # takes over the requests this one is still finishing.
        drained = asyncio.Event()
        heartbeat = asyncio.create_task(self._heartbeat_loop(drained), name="heartbeat")
        reclaim = asyncio.create_task(self._reclaim_loop(stop), name="reclaim")
        cancels = asyncio.create_task(
            channel.follow(
                self._redis,
                self._keys.dispatch_cancel,
                self._cancel,
                label="dispatch_cancel",
            ),
            name="cancels",
        )
        backoff = 0.1
        while not stop.is_set():
            try:
                await self._intake.ensure()
                await self._consume(stop)
                backoff = 0.1
            except (RedisError, OSError) as exc:
                REDIS_ERRORS.labels("dispatch_read").inc()
                log.warning("dispatch stream unavailable: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 2.0)
        await self._drain()
        drained.set()
        reclaim.cancel()
        cancels.cancel()
        await asyncio.gather(heartbeat, reclaim, cancels, return_exceptions=True)

    async def _consume(self, stop: asyncio.Event) -> None:
        while await self._slot_unless(stop):
            free = self._free_slots() + 1
            try:
                taken = await self._intake.read(free, block_ms=self._block_ms)
            except BaseException:
                self._slots.release()
                raise
            if not taken:
                self._slots.release()
                continue
            # One slot is held already; take one more per extra entry (free).
            for _ in taken[1:]:
                await self._slots.acquire()
            for entry in taken:
                self._spawn(entry.group, entry.entry_id, dispatch_of(entry.fields))

    async def _slot_unless(self, stop: asyncio.Event) -> bool:
        """Takes a slot for new work; False (holding none) once stopping, even
        while every slot is busy: a draining executor takes nothing new."""
        if not self._slots.locked():
            await self._slots.acquire()  # free now: no wait
        else:
            slot = asyncio.ensure_future(self._slots.acquire())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({slot, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not slot.done():
                slot.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await slot
            if slot.cancelled():
                return False
        if stop.is_set():
            self._slots.release()
            return False
        return True

    def _free_slots(self) -> int:
        return self._slots._value

    def _spawn(
        self,
        group: ConsumerGroup,
        entry_id: bytes,
        payload: bytes,
        interrupted: int = 0,
    ) -> None:
        task = asyncio.create_task(self._handle(group, entry_id, payload, interrupted))
        self._tasks.add(task)
        metrics.IN_FLIGHT.inc()
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slots.release()
        metrics.IN_FLIGHT.dec()

    async def _handle(
        self,
        group: ConsumerGroup,
        entry_id: bytes,
        payload: bytes,
        interrupted: int = 0,
    ) -> None:
        ack = self._acker(group, entry_id)
        try:
            dispatch = dispatch_pb2.Dispatch.FromString(payload)
        except Exception:
            log.error(
                "dropping an unreadable dispatch entry", extra={"entry": entry_id}
            )
            await group.ack(entry_id)
            return
        remaining = dispatch.deadline_unix_ms / 1000 - time.time()
        if remaining <= 0:
            # The edge has given up; an answer now would be wasted tokens.
            await group.ack(entry_id)
            return
        writer = ReplyWriter(
            self._outbox,
            dispatch.reply_to,
            dispatch.request_id,
            interrupted=interrupted,
        )
        request_id = dispatch.request_id
        task = asyncio.current_task()
        assert task is not None
        self._serving[request_id] = task
        try:
            with telemetry.span(
                "executor.dispatch",
                telemetry.from_message(dispatch.trace),
                trace.SpanKind.CONSUMER,
                {"omniroute.request_id": dispatch.request_id},
            ):
                await self._runner.run(dispatch, writer, ack)
            self.served += 1
        except asyncio.CancelledError:
            if request_id not in self._abandoned:
                raise  # stopping: the entry stays pending for another executor
            # Its client is gone: nobody reads an answer, so none is written.
            metrics.ABANDONED.inc()
            with contextlib.suppress(RedisError, OSError):
                await group.ack(entry_id)
        except Exception:
            log.exception("dispatch failed", extra={"request_id": dispatch.request_id})
            if not writer.finished:
                with contextlib.suppress(RedisError, OSError):
                    await writer.failure(
                        executor_error(mid_stream=writer.items_sent > 0), then=ack
                    )
        finally:
            self._serving.pop(request_id, None)
            self._abandoned.discard(request_id)

    def _cancel(self, data: bytes) -> None:
        """Stops the request ``data`` names if this executor is serving it."""
        request_id = data.decode(errors="replace")
        task = self._serving.get(request_id)
        if task is not None and not task.done():
            self._abandoned.add(request_id)
            task.cancel()

    async def _drain(self) -> None:
        if not self._tasks:
            return
        log.info("draining", extra={"in_flight": len(self._tasks)})
        _, pending = await asyncio.wait(
            set(self._tasks), timeout=self._settings.drain_timeout_s
        )
        for task in pending:
            task.cancel()

    async def _heartbeat_loop(self, until: asyncio.Event) -> None:
        key = self._keys.executor_heartbeat(self._id)
        while not until.is_set():
            value = orjson.dumps({"in_flight": self.in_flight, "served": self.served})
            with contextlib.suppress(RedisError, OSError):
                await self._redis.set(key, value, ex=HEARTBEAT_TTL_SECONDS)
                self.last_heartbeat = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), HEARTBEAT_TTL_SECONDS / 4)
        with contextlib.suppress(RedisError, OSError):
            await self._redis.delete(key)

    async def _reclaim_loop(self, stop: asyncio.Event) -> None:
        interval = min(self._settings.reclaim_idle_ms / 1000, _RECLAIM_SCAN_S)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
            if stop.is_set():
                return
            try:
                await self._reclaim_once()
            except (RedisError, OSError) as exc:
                log.warning("reclaim failed: %s", exc)

    async def _reclaim_once(self) -> None:
        for group in self._intake.groups:
            await self._reclaim_from(group)

    async def _reclaim_from(self, group: ConsumerGroup) -> None:
        idle_ms = self._settings.reclaim_idle_ms
        pending = await group.idle(idle_ms)
        owners = {p.consumer for p in pending if p.consumer != self._id}
        if not owners:
            return
        connected = await self._connected()
        alive = {
            owner
            for owner in owners
            if (connected is None or connection_name(owner) in connected)
            and await self._redis.exists(self._keys.executor_heartbeat(owner))
        }
        # Each delivery went to an executor with a free slot, which began the
        # upstream call at once: that many calls were interrupted.
        orphans = {
            p.entry_id: p.deliveries for p in pending if p.consumer in owners - alive
        }
        for entry_id, fields in await group.claim(list(orphans), idle_ms):
            metrics.RECLAIMED.inc()
            await self._take_over(
                group, entry_id, dispatch_of(fields), orphans[entry_id]
            )

    async def _connected(self) -> set[str] | None:
        """The names of the connections Redis holds now; None where
        ``CLIENT LIST`` is not allowed (heartbeats alone decide then, and a
        killed executor is noticed when its heartbeat expires)."""
        try:
            clients = await self._redis.client_list()
        except ResponseError:
            return None
        return {str(client.get("name") or "") for client in clients}

    async def _take_over(
        self, group: ConsumerGroup, entry_id: bytes, payload: bytes, interrupted: int
    ) -> None:
        """Runs an orphan that wrote no reply yet; fails one that did.

        A dispatch whose executor died mid-call before replying is run again:
        the client has seen nothing. The provider may bill the interrupted
        call too, so the run counts it (``interrupted``) and its usage
        records it as an attempt with its cost.
        """
        dispatch = dispatch_pb2.Dispatch.FromString(payload)
        if not await self._has_replied(dispatch):
            log.info(
                "reclaimed a dispatch",
                extra={"request_id": dispatch.request_id, "interrupted": interrupted},
            )
            await self._slots.acquire()
            self._spawn(group, entry_id, payload, interrupted)
            return
        # It has replied, and perhaps half streamed: running it again could
        # duplicate output, so end it with a clear error the client can retry.
        writer = ReplyWriter(self._outbox, dispatch.reply_to, dispatch.request_id)
        await writer.failure(executor_stopped(), then=self._acker(group, entry_id))

    async def _has_replied(self, dispatch: dispatch_pb2.Dispatch) -> bool:
        """Did this dispatch write anything to its edge's reply stream?

        Only reclaiming asks, and rarely: scanning the recent entries of one
        stream is cheap enough for that.
        """
        wanted = dispatch.request_id.encode()
        entries = await recent(self._redis, dispatch.reply_to, _REPLIES_SCANNED)
        return any(reply_request_id(fields) == wanted for _, fields in entries)

    def _acker(self, group: ConsumerGroup, entry_id: bytes) -> Ack:
        def ack(pipe: Pipeline) -> None:
            group.ack_in(pipe, entry_id)

        return ack
