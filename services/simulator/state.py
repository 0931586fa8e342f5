"""The simulator's settings and in-memory state, and the keys to reach them
from a request."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from aiohttp import web

from services.simulator.audio import TranscriptJob
from services.simulator.calls import CallLog
from services.simulator.errors import Dialect
from services.simulator.faults import FaultBook, FaultRule
from services.simulator.inbound import Inbound
from services.simulator.prompt_cache import PromptCache

FILE_LIMIT = 512
JOB_LIMIT = 1024
DEFAULT_CHUNK_DELAY_MS = 5.0
V = TypeVar("V")

# Per-request values the provider pipeline sets for handlers and delivery
# (typed keys: aiohttp warns about plain strings).
FAULT: web.RequestKey[FaultRule] = web.RequestKey("sim.fault", FaultRule)
INBOUND: web.RequestKey[Inbound] = web.RequestKey("sim.inbound", Inbound)
DIALECT: web.RequestKey[Dialect] = web.RequestKey("sim.dialect", Dialect)


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Global behaviour, from the command line."""

    latency_ms: float = 0.0
    chunk_delay_ms: float = DEFAULT_CHUNK_DELAY_MS
    fast: bool = False
    required_keys: frozenset[str] = frozenset()


class BoundedStore(Generic[V]):
    """Insertion-ordered mapping that forgets its oldest entries."""

    def __init__(self, limit: int) -> None:
        self._items: OrderedDict[str, V] = OrderedDict()
        self._limit = limit

    def put(self, name: str, value: V) -> None:
        self._items[name] = value
        self._items.move_to_end(name)
        while len(self._items) > self._limit:
            self._items.popitem(last=False)

    def get(self, name: str) -> V | None:
        return self._items.get(name)


@dataclass(slots=True)
class SimState:
    config: SimConfig
    faults: FaultBook = field(default_factory=FaultBook)
    calls: CallLog = field(default_factory=CallLog)
    # name -> (bytes, content type): generated images and AssemblyAI uploads.
    files: BoundedStore[tuple[bytes, str]] = field(
        default_factory=lambda: BoundedStore(FILE_LIMIT)
    )
    jobs: BoundedStore[TranscriptJob] = field(
        default_factory=lambda: BoundedStore(JOB_LIMIT)
    )
    prompt_cache: PromptCache = field(default_factory=PromptCache)


STATE = web.AppKey("sim.state", SimState)
