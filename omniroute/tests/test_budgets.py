from datetime import UTC, datetime

from omniroute.budgets import current_period


def test_budget_periods_are_utc_calendar_periods() -> None:
    now = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)  # a Wednesday
    assert current_period("daily", now) == (
        "2026-11-25",
        datetime(2026, 11, 25, tzinfo=UTC),
        datetime(2026, 11, 26, tzinfo=UTC),
    )
    assert current_period("weekly", now) == (
        "2026-W48",
        datetime(2026, 11, 23, tzinfo=UTC),
        datetime(2026, 11, 30, tzinfo=UTC),
    )
    assert current_period("monthly", now) == (
        "2026-11",
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    december = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert current_period("monthly", december)[2] == datetime(2027, 1, 1, tzinfo=UTC)


def test_a_week_across_new_year_is_named_by_its_iso_year() -> None:
    # Monday 2025-12-29 starts ISO week 1 of 2026, not a second "2025-W01".
    assert current_period("weekly", datetime(2026, 1, 1, tzinfo=UTC))[0] == "2026-W01"
    assert current_period("weekly", datetime(2025, 1, 1, tzinfo=UTC))[0] == "2025-W01"


def test_naive_times_are_taken_as_utc() -> None:
    naive = datetime(2026, 3, 1, 0, 30)
    assert current_period("daily", naive)[0] == "2026-03-01"
