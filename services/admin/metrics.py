"""Prometheus metrics of admin (names: omniroute_admin_*)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

USAGE_EVENTS_LAG = Gauge(
    "omniroute_admin_usage_events_lag",
    "Usage events waiting in events.usage for admin to write them.",
)
USAGE_EVENTS_WRITTEN = Counter(
    "omniroute_admin_usage_events_written",
    "Usage events committed to the database (duplicates ignored count too).",
)
