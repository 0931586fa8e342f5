"""A whole semantic-cache Lookup, as the edge asks for it, with 10,000 entries.

Run with ``python -m bench.semantic_lookup``. Starts a throw-away Redis,
writes 10,000 semantic entries into one partition (200 real prompt
embeddings and random unit vectors, announced on the cache's stream as the
service itself would), starts the stack so the cache service indexes them,
then times gRPC ``Lookup`` calls on loopback: the exact-cache check, the
prompt's embedding, the index search and the Redis read of the answer. Half
of the lookups ask a cached prompt (hits), half a fresh one (misses).
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import tempfile
import time
import uuid
from pathlib import Path

import grpc
import numpy as np
import orjson
import redis

from bench.embedding import _prompts
from omniroute.cache.v1 import cache_pb2, cache_pb2_grpc
from omniroute.embedding import DIMENSION, MiniLMEncoder
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.stack import RedisServer, Stack, StackConfig
from services.cache.prompt import partition

_DISHES = ("soup", "curry", "salad", "pasta", "risotto")
_CITIES = ("Lisbon", "Osaka", "Lima", "Oslo")
_ENTRIES = 10_000
_LOOKUPS = 400
_SCOPE, _MODEL = "bench-key", "demo/gpt-4o-mini"


def _request(prompt: str) -> bytes:
    return orjson.dumps(
        {"model": _MODEL, "messages": [{"role": "user", "content": prompt}]}
    )


def _fill(url: str, prompts: list[str]) -> None:
    """The entries, written the way the cache service stores them."""
    keys = RedisKeys()
    key, _ = partition(_SCOPE, _MODEL, orjson.loads(_request(prompts[0])))
    encoder = MiniLMEncoder.load()
    real = encoder.encode(prompts)
    rng = np.random.default_rng(7)
    noise = rng.standard_normal((_ENTRIES - len(real), DIMENSION)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    store = redis.Redis.from_url(url)
    with store.pipeline(transaction=False) as pipe:
        for vector in [*noise, *real]:
            entry_id = uuid.uuid4().hex
            blob = np.asarray(vector, dtype=np.float32).tobytes()
            pipe.hset(
                keys.cache_semantic(entry_id),
                mapping={"partition": key, "vector": blob, "response": b'{"ok":1}'},
            )
            pipe.expire(keys.cache_semantic(entry_id), 3600)
            pipe.xadd(
                keys.cache_semantic_stream,
                {"id": entry_id, "partition": key, "vector": blob},
            )
        pipe.execute()
    store.close()


async def _time_lookups(port: int, asked: list[str]) -> tuple[list[float], int]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = cache_pb2_grpc.CacheServiceStub(channel)

        async def lookup(prompt: str) -> cache_pb2.LookupResponse:
            return await stub.Lookup(
                cache_pb2.LookupRequest(
                    scope=_SCOPE,
                    model=_MODEL,
                    request=_request(prompt),
                    semantic=True,
                    threshold=0.9,
                ),
                timeout=10,
            )

        for prompt in asked[:20]:  # warm-up: connections, first encodes
            await lookup(prompt)
        timings, hits = [], 0
        for prompt in asked:
            started = time.perf_counter()
            found = await lookup(prompt)
            timings.append((time.perf_counter() - started) * 1000)
            hits += found.hit
        return timings, hits


def main() -> None:
    prompts = _prompts()  # 200 cached prompts
    # Unrelated to every cached prompt: these miss.
    fresh = [
        f"Suggest a {dish} recipe for {people} people visiting {city}."
        for dish, people, city in itertools.islice(
            itertools.product(_DISHES, range(2, 12), _CITIES), len(prompts)
        )
    ]
    asked = [p for pair in zip(prompts, fresh, strict=True) for p in pair]
    asked = (asked * (_LOOKUPS // len(asked) + 1))[:_LOOKUPS]
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp) / "redis", appendonly=False)
        url = server.start()
        stack = None
        try:
            _fill(url, prompts)
            config = StackConfig.on_free_ports(Path(tmp), redis_url=url, simulator=True)
            stack = Stack(config).start()
            timings, hits = asyncio.run(_time_lookups(config.cache_port, asked))
        finally:
            if stack is not None:
                stack.stop()
            server.stop()
    p50, p99 = np.percentile(np.asarray(timings), [50.0, 99.0]).tolist()
    sys.stdout.write(
        f"| whole Lookup, {_ENTRIES:,} entries | {len(timings)} | {p50:.2f} ms "
        f"| {p99:.2f} ms | {hits} hits, {len(timings) - hits} misses |\n"
    )


if __name__ == "__main__":
    main()
