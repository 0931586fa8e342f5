"""An executor in-process: its worker on a real Redis, providers played by
the simulator in the same event loop. Tests write a ``Dispatch`` to the
stream as an edge would and read back the replies the edge would get."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis

from omniroute.common.v1 import common_pb2, config_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.resilience.mirror import HealthMirror
from omniroute.runtime import streams
from omniroute.runtime.crypto import seal
from omniroute.runtime.redis_keys import DISPATCH_GROUP, RedisKeys
from services.executor.adapters.formats import adapters_by_format
from services.executor.config_view import ConfigView
from services.executor.guard import Guard
from services.executor.runner import PlanRunner
from services.executor.settings import ExecutorSettings
from services.executor.upstream import upstream_session
from services.executor.worker import Worker
from services.simulator.app import start
from services.simulator.state import STATE, SimConfig, SimState

# An idle worker's read returns this often: a test's executor stops this fast.
_BLOCK_MS = 20
REPLY_TIMEOUT_S = 5.0

# Provider id -> (kind, wire format, the account's key).
PROVIDERS = {
    "primary": ("openai", common_pb2.API_FORMAT_OPENAI_CHAT, "sk-primary"),
    "backup": ("openai", common_pb2.API_FORMAT_OPENAI_CHAT, "sk-backup"),
    "claude": ("anthropic", common_pb2.API_FORMAT_ANTHROPIC_MESSAGES, "sk-claude"),
}


def target(provider_id: str, model: str = "gpt-4o-mini") -> common_pb2.Target:
    return common_pb2.Target(
        provider_id=provider_id, model=model, format=PROVIDERS[provider_id][1]
    )


@dataclass
class Simulator:
    url: str
    state: SimState

    def fault(self, **rule: Any) -> None:
        self.state.faults.add([rule])

    def calls(self) -> list[dict[str, Any]]:
        """The requests providers received, oldest first."""
        recent: list[dict[str, Any]] = self.state.calls.snapshot()["recent"]
        return recent


@dataclass
class Answer:
    """What the edge read back for one dispatch."""

    replies: list[dispatch_pb2.Reply]

    def of(self, kind: str) -> list[Any]:
        return [getattr(r, kind) for r in self.replies if r.WhichOneof("kind") == kind]

    @property
    def started(self) -> dispatch_pb2.Started:
        return self.of("started")[-1]  # type: ignore[no-any-return]

    @property
    def done(self) -> dispatch_pb2.Done:
        [done] = self.of("done")
        return done  # type: ignore[no-any-return]

    @property
    def failure(self) -> dispatch_pb2.Failure:
        [failure] = self.of("failure")
        return failure  # type: ignore[no-any-return]

    @property
    def items(self) -> list[bytes]:
        return [item for chunks in self.of("chunks") for item in chunks.items]


@dataclass
class Executor:
    redis: Redis
    keys: RedisKeys
    reply_to: str

    async def ask(
        self, plan: list[common_pb2.Target], hub: dict[str, Any], **fields: Any
    ) -> Answer:
        """Dispatches ``hub`` over ``plan`` (more ``Dispatch`` fields by
        name) and waits for its final reply."""
        dispatch = dispatch_pb2.Dispatch(
            request_id=f"req-{time.monotonic_ns()}",
            plan=plan,
            client_format=fields.pop(
                "client_format", common_pb2.API_FORMAT_OPENAI_CHAT
            ),
            body=orjson.dumps(hub),
            stream=bool(hub.get("stream")),
            deadline_unix_ms=int((time.time() + REPLY_TIMEOUT_S) * 1000),
            reply_to=self.reply_to,
            **fields,
        )
        await self.redis.xadd(
            self.keys.dispatch, streams.dispatch_fields(dispatch.SerializeToString())
        )
        return await self._replies(dispatch.request_id.encode())

    async def _replies(self, request_id: bytes) -> Answer:
        replies: list[dispatch_pb2.Reply] = []
        last: bytes | str = "0"
        async with asyncio.timeout(REPLY_TIMEOUT_S):
            while True:
                entries = await streams.read_after(
                    self.redis, self.reply_to, last, 100, 100
                )
                for entry_id, fields in entries:
                    last = entry_id
                    if streams.reply_request_id(fields) != request_id:
                        continue
                    batch = dispatch_pb2.ReplyBatch.FromString(
                        streams.reply_batch_of(fields)
                    )
                    replies.extend(batch.replies)
                    if any(
                        r.WhichOneof("kind") in ("done", "failure")
                        for r in batch.replies
                    ):
                        return Answer(replies)

    async def unacknowledged(self) -> int:
        state = await streams.group_state(
            self.redis, self.keys.dispatch, DISPATCH_GROUP
        )
        return state.pending


def snapshot(simulator_url: str, secret: bytes) -> config_pb2.ConfigSnapshot:
    providers = [
        config_pb2.Provider(
            id=provider_id,
            kind=kind,
            format=fmt,
            base_url=f"{simulator_url}/v1",
            enabled=True,
            accounts=[
                config_pb2.Account(
                    id="main", sealed_credential=seal(secret, key), enabled=True
                )
            ],
        )
        for provider_id, (kind, fmt, key) in PROVIDERS.items()
    ]
    return config_pb2.ConfigSnapshot(version=1, providers=providers)


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    runner, url = await start(SimConfig(chunk_delay_ms=0))
    try:
        yield Simulator(url, runner.app[STATE])
    finally:
        await runner.cleanup()


@pytest.fixture
async def executor(
    redis: Redis, redis_keys: RedisKeys, simulator: Simulator
) -> AsyncIterator[Executor]:
    settings = ExecutorSettings(
        executor_id="test-executor", key_prefix=redis_keys.prefix, concurrency=8
    )
    config = ConfigView(settings.secret)
    current = snapshot(simulator.url, settings.secret)
    config.load(current)
    mirror = HealthMirror(redis, redis_keys)
    guard = Guard(redis, redis_keys, mirror)
    guard.configure(current)
    session = upstream_session(settings)
    runner = PlanRunner(config, session, adapters_by_format(), settings, guard)
    worker = Worker(redis, redis_keys, runner, settings, block_ms=_BLOCK_MS)
    stop = asyncio.Event()
    await mirror.start()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield Executor(redis, redis_keys, redis_keys.replies("test-edge"))
    finally:
        stop.set()
        await task
        await mirror.stop()
        await session.close()
