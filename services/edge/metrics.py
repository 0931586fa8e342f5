"""Prometheus metrics of the edge (names: omniroute_edge_*).

Labels are bounded: endpoint paths are the fixed routes, providers come from
configuration, and a model is labelled only when the routing table knows it
(anything else is "other"), so clients cannot grow the series count.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
    120,
    300,
)

REQUESTS = Counter(
    "omniroute_edge_requests",
    "Client requests by endpoint, provider, model and status class.",
    ["endpoint", "provider", "model", "status_class"],
)
LATENCY = Histogram(
    "omniroute_edge_request_latency_seconds",
    "Time from receiving a request to its last byte.",
    ["endpoint", "provider"],
    buckets=LATENCY_BUCKETS,
)
OVERHEAD = Histogram(
    "omniroute_edge_gateway_overhead_seconds",
    "Time the gateway adds on top of the upstream call (non-streaming requests).",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)
TTFT = Histogram(
    "omniroute_edge_time_to_first_token_seconds",
    "Time from receiving a streaming request to sending its first chunk.",
    ["endpoint", "provider"],
    buckets=LATENCY_BUCKETS,
)
TOKENS = Counter(
    "omniroute_edge_tokens",
    "Tokens metered, by direction (input, output, and the input read from or"
    " written to the provider's prompt cache: cache_read, cache_write),"
    " provider and model.",
    ["direction", "provider", "model"],
)
CACHE_LOOKUPS = Counter(
    "omniroute_edge_cache_lookups",
    "Response-cache lookups by result (hit or miss).",
    ["result"],
)
SPEND = Counter(
    "omniroute_edge_spend_usd",
    "Cost of answered requests in USD, from the price book, by provider and model.",
    ["provider", "model"],
)
DISPATCH_BACKLOG = Gauge(
    "omniroute_edge_dispatch_backlog",
    "Dispatches waiting for an executor (consumer-group lag), as this edge last saw.",
)
DISPATCH_PENDING = Gauge(
    "omniroute_edge_dispatch_pending",
    "Dispatches taken by an executor and not yet acknowledged (in flight anywhere).",
)
REJECTED = Counter(
    "omniroute_edge_rejected_requests",
    "Requests refused with 503 before dispatch, by reason (backlog, no_executor).",
    ["reason"],
)
