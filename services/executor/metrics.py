"""Prometheus metrics of the executor (names: omniroute_executor_*)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (
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

UPSTREAM_REQUESTS = Counter(
    "omniroute_executor_upstream_requests",
    "Upstream calls by provider and outcome status class (2xx, 4xx, 5xx, error).",
    ["provider", "status_class"],
)
UPSTREAM_LATENCY = Histogram(
    "omniroute_executor_upstream_latency_seconds",
    "Time from sending an upstream request to its last byte.",
    ["provider"],
    buckets=LATENCY_BUCKETS,
)
UPSTREAM_TTFT = Histogram(
    "omniroute_executor_time_to_first_token_seconds",
    "Time from sending a streaming upstream request to its first content.",
    ["provider"],
    buckets=LATENCY_BUCKETS,
)
FALLBACKS = Counter(
    "omniroute_executor_fallbacks",
    "Targets abandoned for the next one, by provider and failure kind.",
    ["provider", "kind"],
)
IN_FLIGHT = Gauge(
    "omniroute_executor_in_flight_requests", "Dispatches this executor is working on."
)
RECLAIMED = Counter(
    "omniroute_executor_reclaimed_dispatches",
    "Dispatches taken over from executors that stopped heart-beating.",
)


def status_class(status: int | None) -> str:
    return f"{status // 100}xx" if status else "error"


ABANDONED = Counter(
    "omniroute_executor_abandoned_dispatches",
    "Dispatches stopped mid-call because their client went away.",
)
