"""Budgets: their periods (UTC calendar days, ISO weeks, months) and counters.

The edge counts each key's spend per period in Redis and admin sums it from
the database; both must agree on where a period starts, what it is called
and how its counter is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MICRO = 1_000_000  # spend is counted in micro-dollars (integers in Redis)
# A counter outlives its period by a day, so late corrections still land.
COUNTER_GRACE_S = 86_400


def period_bounds(period: str, now: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar period containing ``now``: [start, end)."""
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "daily":
        return day, day + timedelta(days=1)
    if period == "weekly":
        start = day - timedelta(days=day.weekday())  # ISO weeks start on Monday
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def period_id(period: str, start: datetime) -> str:
    """The name of the period starting at ``start``, part of its Redis key."""
    if period == "daily":
        return start.strftime("%Y-%m-%d")
    if period == "weekly":
        return f"{start:%G}-W{start:%V}"
    return start.strftime("%Y-%m")


def current_period(period: str, now: datetime) -> tuple[str, datetime, datetime]:
    """(id, start, end) of the period containing ``now``."""
    start, end = period_bounds(period, now)
    return period_id(period, start), start, end


def counter_ttl(end: datetime, now: datetime) -> int:
    """Seconds a period's spend counter is kept: to its end, plus a grace day."""
    return int((end - now).total_seconds()) + COUNTER_GRACE_S
