"""Stores batch lines' answers in groups: one transaction per ``FLUSH_S``
(or per ``FLUSH_LINES`` answers), not one per line.

A line's answer reaches the database within a fraction of a second; a
runner killed in between loses only those answers, and the lines are sent
again with the same idempotency key (the edge answers a repeat from its
record rather than asking the provider again). What it saves is the cost
of a commit per line, which on a small machine is CPU the interactive
traffic beside the batch needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.admin.batches.sender import LineAnswer
from services.admin.db.batch_models import Batch, BatchLine

log = logging.getLogger(__name__)

FLUSH_S = 0.2
FLUSH_LINES = 200


@dataclass(frozen=True, slots=True)
class Answered:
    batch_id: str
    line: int
    answer: LineAnswer

    @property
    def ok(self) -> bool:
        return 200 <= self.answer.status_code < 300


class Ledger:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._waiting: list[Answered] = []
        self._lock = asyncio.Lock()
        self._flusher: asyncio.Task[None] | None = None
        self._full = asyncio.Event()

    def record(self, batch_id: str, line: int, answer: LineAnswer) -> None:
        self._waiting.append(Answered(batch_id, line, answer))
        if len(self._waiting) >= FLUSH_LINES:
            self._full.set()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._full.wait(), FLUSH_S)
        self._full.clear()
        try:
            await self.flush()
        except SQLAlchemyError as exc:
            log.warning("batch answers not stored yet: %s", exc)
        if self._waiting:
            self._flusher = asyncio.create_task(self._flush_soon())

    async def flush(self) -> None:
        """Stores every answer recorded so far (the batch's counts with them)."""
        async with self._lock:
            answered, self._waiting = self._waiting, []
            if not answered:
                return
            try:
                await self._store(answered)
            except BaseException:
                self._waiting = answered + self._waiting
                raise

    async def _store(self, answered: list[Answered]) -> None:
        async with self._sessions() as session, session.begin():
            for batch_id in {a.batch_id for a in answered}:
                mine = [a for a in answered if a.batch_id == batch_id]
                pending = set(
                    await session.scalars(
                        select(BatchLine.line).where(
                            BatchLine.batch_id == batch_id,
                            BatchLine.line.in_([a.line for a in mine]),
                            BatchLine.state == "pending",
                        )
                    )
                )
                # A line answered already (by a runner that overlapped) keeps
                # its first answer and is counted once.
                fresh = [a for a in mine if a.line in pending]
                if not fresh:
                    continue
                await session.execute(
                    update(BatchLine),
                    [
                        {
                            "batch_id": batch_id,
                            "line": a.line,
                            "state": "done" if a.ok else "failed",
                            "status_code": a.answer.status_code,
                            "request_id": a.answer.request_id,
                            "response": a.answer.body.decode(errors="replace"),
                        }
                        for a in fresh
                    ],
                )
                done = sum(1 for a in fresh if a.ok)
                await session.execute(
                    update(Batch)
                    .where(Batch.id == batch_id)
                    .values(
                        completed=Batch.completed + done,
                        failed=Batch.failed + len(fresh) - done,
                    )
                )
