"""Semantic-cache hot path: prompt embedding time and index lookup time.

Run with ``python -m bench.embedding``. Prints a markdown table:

* encode: one ``MiniLMEncoder.encode([prompt])`` call per prompt, as the cache
  service does per request, over ~200 varied short prompts; plus the amortised
  cost of encoding the same prompts as one batch;
* lookup: ``SemanticIndex.search`` in one partition of 10,000 entries (random
  unit vectors plus the real prompt embeddings), half hits and half misses.

Takes a few seconds; nothing is written to disk.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from omniroute.embedding import DIMENSION, MiniLMEncoder
from services.cache.semantic_index import SemanticIndex

_TEMPLATES = (
    "How do I {} in Python?",
    "Explain how to {} step by step.",
    "What's the fastest way to {}?",
    "Can you help me {}? Keep it short.",
    "Write a function to {}.",
    "Why would anyone {}?",
    "Give three tips to {}.",
    "Is it safe to {} in production?",
    "Summarise the best practice to {}.",
    "What are common mistakes when trying to {}?",
)
_TASKS = (
    "reverse a list",
    "parse a JSON file",
    "sort a dictionary by value",
    "read a CSV with headers",
    "retry an HTTP request with backoff",
    "hash a password",
    "connect to PostgreSQL",
    "deduplicate rows",
    "stream a large file",
    "profile slow code",
    "write unit tests for an API",
    "rotate log files",
    "cache expensive results",
    "schedule a nightly job",
    "validate an email address",
    "compress images",
    "paginate query results",
    "handle time zones",
    "limit concurrent requests",
    "translate a sentence into Portuguese",
)

_ENTRIES = 10_000
_LOOKUPS = 2_000
_THRESHOLD = 0.9


def _prompts() -> list[str]:
    return [
        template.format(task)
        for template, task in itertools.product(_TEMPLATES, _TASKS)
    ]


def _time_each(call: Callable[[int], object], count: int) -> list[float]:
    """Milliseconds taken by ``call(i)`` for each i in range(count)."""
    timings = []
    for number in range(count):
        start = time.perf_counter_ns()
        call(number)
        timings.append((time.perf_counter_ns() - start) / 1e6)
    return timings


def _row(name: str, timings: Sequence[float], note: str = "") -> str:
    p50, p99 = np.percentile(np.asarray(timings), [50.0, 99.0]).tolist()
    return f"| {name} | {len(timings)} | {p50:.3f} | {p99:.3f} | {note} |\n"


def main() -> None:
    """Run the benchmark and write the table to stdout."""
    start = time.perf_counter()
    encoder = MiniLMEncoder.load()
    load_ms = (time.perf_counter() - start) * 1e3
    prompts = _prompts()
    encoder.encode(prompts[:8])  # warm-up: first-call allocations, BLAS init

    encode_ms = _time_each(lambda i: encoder.encode([prompts[i]]), len(prompts))
    start = time.perf_counter()
    real = encoder.encode(prompts)
    batch_ms = (time.perf_counter() - start) * 1e3 / len(prompts)

    rng = np.random.default_rng(2024)
    noise = rng.standard_normal((_ENTRIES - len(real), DIMENSION))
    noise = noise.astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    index = SemanticIndex(dimension=DIMENSION, max_entries=_ENTRIES)
    start = time.perf_counter()
    for number, vector in enumerate(itertools.chain(noise, real)):
        index.add("scope:model:params", f"entry-{number}", vector)
    add_us = (time.perf_counter() - start) * 1e6 / _ENTRIES

    # Even lookups repeat a cached prompt (hit), odd ones are fresh random
    # vectors (miss): both scan the whole partition, so cost is the same.
    queries = rng.standard_normal((_LOOKUPS, DIMENSION)).astype(np.float32)
    queries[::2] = real[rng.integers(0, len(real), _LOOKUPS // 2)]
    hits = 0

    def lookup(number: int) -> None:
        nonlocal hits
        if index.search("scope:model:params", queries[number], _THRESHOLD):
            hits += 1

    lookup_ms = _time_each(lookup, _LOOKUPS)

    sys.stdout.write(
        f"MiniLM (NumPy {np.__version__}, {os.cpu_count()} CPUs): "
        f"load {load_ms:.0f} ms, batched encode {batch_ms:.2f} ms/prompt, "
        f"index add {add_us:.1f} us/entry, {hits}/{_LOOKUPS} lookups hit\n\n"
        "| measurement | n | p50 ms | p99 ms | note |\n"
        "|---|---:|---:|---:|---|\n"
        + _row("encode, one prompt per call", encode_ms, "short prompts")
        + _row(
            f"lookup, {len(index):,} entries",
            lookup_ms,
            f"one partition, threshold {_THRESHOLD}",
        )
    )


if __name__ == "__main__":
    main()
