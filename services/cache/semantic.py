"""The semantic response cache: paraphrases of a cached prompt hit.

Entries live in Redis (with the cache TTL) and are announced on a stream;
every cache replica keeps an in-process matrix of their normalised vectors
(``SemanticIndex``), filled from the stream at start and followed after, so
a prompt stored through one replica is found through any other. Embedding
(~10 ms of CPU) runs in a worker thread so the gRPC loop stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

import numpy as np
from redis.asyncio import Redis
from redis.exceptions import RedisError

from omniroute.embedding import DIMENSION, MiniLMEncoder
from omniroute.runtime.metrics import REDIS_ERRORS
from omniroute.runtime.redis_keys import RedisKeys
from services.cache import metrics
from services.cache.prompt import partition
from services.cache.semantic_index import SemanticIndex

log = logging.getLogger(__name__)

# A stream entry saying: every earlier entry is gone.
_CLEAR = b"clear"

# Measured with the bundled model: paraphrases of one question score ~0.9,
# related but different questions ("capital of France" vs "of Germany") ~0.66.
DEFAULT_THRESHOLD = 0.88


class SemanticCache:
    def __init__(
        self,
        redis: Redis,
        keys: RedisKeys,
        encoder: MiniLMEncoder,
        max_entries: int,
        ttl_seconds: int,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._encoder = encoder
        self.index = SemanticIndex(DIMENSION, max_entries)
        self._ttl = ttl_seconds
        self._last_id = b"0"
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Indexes every entry already announced, then follows new ones."""
        with contextlib.suppress(RedisError, OSError):
            while await self._catch_up(block_ms=None):
                pass
        self._task = asyncio.create_task(self._follow(), name="semantic-follow")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def lookup(
        self, scope: str, model: str, request: dict[str, Any], threshold: float
    ) -> tuple[bytes, float] | None:
        key, text = partition(scope, model, request)
        if not text or not self.index.partition_size(key):
            return None
        vector = await self._embed(text)
        found = self.index.search(key, vector, threshold or DEFAULT_THRESHOLD)
        if found is None:
            return None
        entry_id, similarity = found
        response = await self._redis.hget(  # type: ignore[misc]
            self._keys.cache_semantic(entry_id), "response"
        )
        if response is None:  # expired in Redis: forget it here too
            self.index.remove(entry_id)
            return None
        return bytes(response), similarity

    async def store(
        self,
        scope: str,
        model: str,
        request: dict[str, Any],
        response: bytes,
        ttl_seconds: int = 0,
    ) -> bool:
        key, text = partition(scope, model, request)
        if not text:
            return False
        vector = await self._embed(text)
        entry_id = uuid.uuid4().hex
        blob = vector.astype(np.float32).tobytes()
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(
                self._keys.cache_semantic(entry_id),
                mapping={"partition": key, "vector": blob, "response": response},
            )
            pipe.expire(self._keys.cache_semantic(entry_id), ttl_seconds or self._ttl)
            pipe.xadd(
                self._keys.cache_semantic_stream,
                {"id": entry_id, "partition": key, "vector": blob},
                maxlen=self.index.max_entries * 2,
                approximate=True,
            )
            await pipe.execute()
        self._add(entry_id, key, blob)
        return True

    async def size(self) -> int:
        """Entries alive in Redis (what every replica can serve)."""
        count = 0
        async for _ in self._redis.scan_iter(
            match=self._keys.cache_semantic("*"), count=1000
        ):
            count += 1
        return count

    async def clear(self) -> int:
        cleared = 0
        async for key in self._redis.scan_iter(
            match=self._keys.cache_semantic("*"), count=1000
        ):
            cleared += await self._redis.unlink(key)
        # The stream starts again with the clear itself, so every replica
        # following it empties its index too.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.unlink(self._keys.cache_semantic_stream)
            pipe.xadd(self._keys.cache_semantic_stream, {_CLEAR: b"1"})
            await pipe.execute()
        self.index.clear()
        return cleared

    async def _embed(self, text: str) -> np.ndarray:
        started = time.perf_counter()
        vectors = await asyncio.to_thread(self._encoder.encode, [text])
        metrics.EMBED_LATENCY.observe(time.perf_counter() - started)
        vector: np.ndarray = vectors[0]
        return vector

    def _add(self, entry_id: str, key: str, blob: bytes) -> None:
        if entry_id not in self.index:
            self.index.add(key, entry_id, np.frombuffer(blob, dtype=np.float32))

    async def _follow(self) -> None:
        while True:
            try:
                await self._catch_up(block_ms=5000)
            except (RedisError, OSError) as exc:
                REDIS_ERRORS.labels("semantic_stream").inc()
                log.warning("semantic stream lost: %s", exc)
                await asyncio.sleep(1)

    async def _catch_up(self, block_ms: int | None) -> int:
        """Indexes entries announced after the last one seen; returns how many."""
        seen = 0
        response = await self._redis.xread(
            {self._keys.cache_semantic_stream: self._last_id},
            count=1000,
            block=block_ms,
        )
        for _, entries in response or ():
            for entry_id, fields in entries:
                self._last_id = entry_id
                seen += 1
                if _CLEAR in fields:
                    self.index.clear()
                    continue
                self._add(
                    fields[b"id"].decode(),
                    fields[b"partition"].decode(),
                    fields[b"vector"],
                )
        return seen
