"""Runs one batch: validates its input, sends its lines, writes its results.

Progress is the database's: every line is a row, and a line's answer is
stored with the batch's counts within a fraction of a second (``ledger.py``
groups them). A runner that stops — a restart, a kill — leaves every stored
answer stored; the next runner sends only the lines without one. Lines go out
at a bounded concurrency shared by every batch of this admin, so a big
batch is a steady background load, never a flood.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import httpx
import orjson
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniroute.blobs import BlobStore
from omniroute.runtime.redis_keys import RedisKeys
from services.admin.batches import lock
from services.admin.batches.input_lines import check_input, missing_input
from services.admin.batches.ledger import Ledger
from services.admin.batches.results import write_results
from services.admin.batches.sender import LineAnswer, LineSender
from services.admin.db.batch_models import Batch, BatchLine
from services.admin.logins import aware
from services.admin.settings import AdminSettings

log = logging.getLogger(__name__)

# How often a running batch looks for a cancel or its expiry.
CHECK_S = 0.5
# A line refused for a passing reason (rate limit, overload, an edge that
# is restarting) is sent again after a pause, this many times at most.
RETRIES = 8
RETRY_MAX_S = 30.0
# Refusals that pass; a budget refusal does not (it is the line's answer).
_PASSING = frozenset({429, 502, 503, 504})


class BatchRunner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        keys: RedisKeys,
        blobs: BlobStore,
        settings: AdminSettings,
    ) -> None:
        self._sessions = sessions
        self._redis = redis
        self._keys = keys
        self._blobs = blobs
        self._settings = settings
        self._sender = LineSender(settings.edge_url, settings.secret)
        self._slots = asyncio.Semaphore(settings.batch_concurrency)
        self._pace = Pace(settings.batch_lines_per_second)
        self._ledger = Ledger(sessions)

    async def close(self) -> None:
        with contextlib.suppress(SQLAlchemyError):
            await self._ledger.flush()
        await self._sender.close()

    async def run(self, batch_id: str) -> None:
        """Takes the batch as far as it goes; returns at once when another
        runner holds it."""
        async with lock.holding(self._redis, self._keys.batch_lock(batch_id)) as held:
            if not held:
                return
            batch = await self._load(batch_id)
            if batch is None:
                return
            if batch.status == "validating":
                batch = await self._validate(batch)
            if batch.status == "in_progress":
                batch = await self._send_lines(batch)
            if batch.status in ("finalizing", "cancelling"):
                await write_results(self._sessions, self._blobs, batch)

    async def _load(self, batch_id: str) -> Batch | None:
        async with self._sessions() as session:
            return await session.get(Batch, batch_id)

    async def _validate(self, batch: Batch) -> Batch:
        """``in_progress`` with a row per line, or ``failed`` naming each bad
        line; lines and status are committed together."""
        try:
            data = await self._blobs.read_all(batch.input_file_id)
        except FileNotFoundError:
            data = None
        checked = (
            check_input(data, batch.endpoint, self._settings.max_batch_lines)
            if data is not None
            else missing_input(batch.input_file_id)
        )
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            stored = await session.get(Batch, batch.id, with_for_update=True)
            assert stored is not None
            if stored.status != "validating":
                return stored  # cancelled meanwhile
            if checked.errors:
                stored.status, stored.failed_at = "failed", now
                stored.errors = {"object": "list", "data": checked.errors}
                return stored
            session.add_all(
                BatchLine(
                    batch_id=batch.id,
                    line=line.line,
                    custom_id=line.custom_id,
                    body=orjson.dumps(line.body).decode(),
                    state="pending",
                )
                for line in checked.lines
            )
            stored.total = len(checked.lines)
            stored.status, stored.in_progress_at = "in_progress", now
            return stored

    async def _send_lines(self, batch: Batch) -> Batch:
        async with self._sessions() as session:
            pending = list(
                await session.scalars(
                    select(BatchLine)
                    .where(BatchLine.batch_id == batch.id, BatchLine.state == "pending")
                    .order_by(BatchLine.line)
                )
            )
        in_flight: set[asyncio.Task[None]] = set()
        try:
            await self._launch(batch, pending, in_flight)
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)
        except asyncio.CancelledError:
            # Stopping: lines in flight stay pending, to be sent again.
            for task in in_flight:
                task.cancel()
            raise
        await self._ledger.flush()
        return await self._settle(batch)

    async def _launch(
        self, batch: Batch, pending: list[BatchLine], in_flight: set[asyncio.Task[None]]
    ) -> None:
        """Starts each line as a slot frees up, until the batch is stopped."""
        status = batch.status
        checked = 0.0
        for line in pending:
            await self._slots.acquire()
            if asyncio.get_running_loop().time() - checked > CHECK_S:
                status = await self._status(batch)
                checked = asyncio.get_running_loop().time()
            if status != "in_progress":
                self._slots.release()
                return
            await self._pace.wait()
            task = asyncio.create_task(self._line(batch, line))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)

    async def _status(self, batch: Batch) -> str:
        """The batch's status now: ``cancelling`` once asked to, ``expired``
        past its completion window."""
        current = await self._load(batch.id)
        if current is None:
            return "cancelling"
        if current.status == "in_progress" and datetime.now(UTC) >= aware(
            current.expires_at
        ):
            return "expired"
        return current.status

    async def _settle(self, batch: Batch) -> Batch:
        """``finalizing`` once every line has its answer; ``cancelling`` (or
        expired, written as such) when the batch stopped early."""
        status = await self._status(batch)
        async with self._sessions() as session, session.begin():
            stored = await session.get(Batch, batch.id, with_for_update=True)
            assert stored is not None
            if status == "expired":
                # Written like a cancel; ``expired_at`` tells the results so.
                stored.status, stored.expired_at = "cancelling", datetime.now(UTC)
            elif stored.status == "in_progress":
                left = await session.scalar(
                    select(BatchLine.line)
                    .where(BatchLine.batch_id == batch.id, BatchLine.state == "pending")
                    .limit(1)
                )
                if left is None:
                    stored.status, stored.finalizing_at = (
                        "finalizing",
                        datetime.now(UTC),
                    )
            return stored

    async def _line(self, batch: Batch, line: BatchLine) -> None:
        try:
            answer = await self._answer(batch, line)
            if answer is not None:
                self._ledger.record(batch.id, line.line, answer)
        except Exception:
            log.exception(
                "batch line failed to run", extra={"batch": batch.id, "line": line.line}
            )
        finally:
            self._slots.release()

    async def _answer(self, batch: Batch, line: BatchLine) -> LineAnswer | None:
        """The line's final answer; None when the edge stayed unreachable
        (the line stays pending for the next run)."""
        delay = 0.5
        for attempt in range(RETRIES + 1):
            try:
                answer = await self._sender.send(
                    batch.api_key_id,
                    batch.endpoint,
                    line.body.encode(),
                    f"{batch.id}:{line.line}",
                )
            except httpx.HTTPError as exc:
                log.warning("batch line not sent: %s", exc, extra={"batch": batch.id})
                answer = None
            if answer is not None and not _passing(answer):
                return answer
            if attempt == RETRIES:
                return answer
            wait = (answer.retry_after_s if answer else None) or delay
            await asyncio.sleep(min(wait, RETRY_MAX_S))
            delay = min(delay * 2, RETRY_MAX_S)
        return None


class Pace:
    """At most ``per_second`` starts a second, evenly spaced (0: no bound)."""

    def __init__(self, per_second: float) -> None:
        self._gap = 1 / per_second if per_second > 0 else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self._gap:
            return
        now = asyncio.get_running_loop().time()
        start = max(now, self._next)
        self._next = start + self._gap
        if start > now:
            await asyncio.sleep(start - now)


def _passing(answer: LineAnswer) -> bool:
    return answer.status_code in _PASSING and answer.error_code != "budget_exceeded"
