"""Prometheus metrics of the cache service (names: omniroute_cache_*)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LOOKUPS = Counter(
    "omniroute_cache_lookups",
    "Cache lookups by kind of match tried (exact, semantic) and result (hit, miss).",
    ["kind", "result"],
)
STORES = Counter("omniroute_cache_stores", "Responses stored, by kind.", ["kind"])
EMBED_LATENCY = Histogram(
    "omniroute_cache_embedding_latency_seconds",
    "Time to embed one prompt for the semantic cache.",
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1),
)
IDEMPOTENT_REPLAYS = Counter(
    "omniroute_cache_idempotent_replays",
    "Duplicate requests answered from an idempotency record.",
)
