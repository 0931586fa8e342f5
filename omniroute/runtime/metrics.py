"""Metrics every service shares (names: omniroute_<subsystem>_*)."""

from __future__ import annotations

from prometheus_client import Counter

REDIS_ERRORS = Counter(
    "omniroute_redis_errors",
    "Redis commands that failed (connection lost, timeout), by operation.",
    ["operation"],
)
