"""Batch jobs on arq: queued when a batch is made or cancelled, run by the
arq worker every admin runs, and found again by a sweeper.

arq holds the queue in Redis; which runner works on a batch is decided by
the batch's lock (``lock.py``), not by arq, so a job queued twice is
harmless: the second finds the lock taken and returns. The sweeper queues
a job for every open batch that no runner holds — what resumes a batch
after a restart or the death of the admin that ran it, within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker, func
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniroute.runtime.redis_keys import RedisKeys
from services.admin.batches.objects import OPEN
from services.admin.batches.runner import BatchRunner
from services.admin.db.batch_models import Batch

log = logging.getLogger(__name__)

SWEEP_S = 2.0
# A batch queued this recently is not queued again by the sweeper.
REQUEUE_AFTER_S = 10.0
# The whole of a batch may run in one job: its completion window and more.
JOB_TIMEOUT_S = 25 * 3600
MAX_JOBS = 16


class BatchJobs:
    def __init__(
        self,
        redis_url: str,
        redis: Redis,
        keys: RedisKeys,
        sessions: async_sessionmaker[AsyncSession],
        runner: BatchRunner,
    ) -> None:
        self._redis_url = redis_url
        self._redis = redis
        self._keys = keys
        self._sessions = sessions
        self._runner = runner
        self._pool: ArqRedis | None = None
        self._worker: Worker | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._queued: dict[str, float] = {}

    async def start_worker(self) -> None:
        self._pool = await create_pool(
            RedisSettings.from_dsn(self._redis_url),
            default_queue_name=self._keys.batch_queue,
        )
        self._worker = Worker(
            [func(self._run, name="run_batch", max_tries=1, timeout=JOB_TIMEOUT_S)],
            queue_name=self._keys.batch_queue,
            redis_pool=self._pool,
            handle_signals=False,
            max_jobs=MAX_JOBS,
            keep_result=0,
            poll_delay=0.2,
        )
        self._tasks = [
            asyncio.create_task(self._worker.async_run(), name="batch-worker"),
            asyncio.create_task(self._sweep(), name="batch-sweeper"),
        ]

    async def stop(self) -> None:
        """Stops at once: a batch being run is left as it is (its answered
        lines are stored) and resumed by whichever admin sweeps next."""
        running = list(self._worker.tasks.values()) if self._worker else []
        for task in [*self._tasks, *running]:
            task.cancel()
        for task in [*self._tasks, *running]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._pool is not None:
            await self._pool.aclose(close_connection_pool=True)
        await self._runner.close()

    async def start(self, batch_id: str) -> None:
        """Queues a job for ``batch_id`` (unique id: never refused by arq)."""
        if self._pool is None:
            return
        self._queued[batch_id] = time.monotonic()
        try:
            await self._pool.enqueue_job(
                "run_batch", batch_id, _job_id=f"{batch_id}:{uuid.uuid4().hex}"
            )
        except (RedisError, OSError) as exc:
            # The sweeper queues it once Redis is back.
            log.warning("batch not queued yet: %s", exc, extra={"batch": batch_id})

    async def _run(self, ctx: dict[str, Any], batch_id: str) -> None:
        await self._runner.run(batch_id)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            try:
                await self._sweep_once()
            except (RedisError, OSError, SQLAlchemyError) as exc:
                log.warning("batch sweep failed: %s", exc)

    async def _sweep_once(self) -> None:
        async with self._sessions() as session:
            open_ids = list(
                await session.scalars(select(Batch.id).where(Batch.status.in_(OPEN)))
            )
        now = time.monotonic()
        for batch_id in open_ids:
            if now - self._queued.get(batch_id, 0.0) < REQUEUE_AFTER_S:
                continue
            if await self._redis.exists(self._keys.batch_lock(batch_id)):
                continue
            await self.start(batch_id)
        self._queued = {b: t for b, t in self._queued.items() if b in open_ids}
