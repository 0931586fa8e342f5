"""Usage events into rows, and what admin computes from them."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from omniroute.common.v1 import common_pb2
from omniroute.events.v1 import events_pb2
from services.admin.db.models import UsageRecord
from services.admin.usage_consumer import EVENT_FIELD
from tests.admin.conftest import AdminHarness, error_of


def _event(index: int, now_ms: int, **fields: object) -> events_pb2.UsageEvent:
    values: dict[str, object] = {
        "request_id": f"req-{index}",
        "timestamp_unix_ms": now_ms - index * 1000,
        "api_key_id": "key_a",
        "endpoint": "/v1/chat/completions",
        "requested_model": "gpt-4o-mini",
        "provider_id": "openai",
        "account_id": "openai-1",
        "model": "gpt-4o-mini",
        "status": 200,
        "usage": common_pb2.Usage(
            prompt_tokens=10, completion_tokens=5, total_tokens=15
        ),
        "latency_ms": float(100 + index),
        "upstream_latency_ms": float(90 + index),
        "cost_usd": 0.01,
        "session_id": "s-1",
        "kind": "chat",
    }
    values.update(fields)
    return events_pb2.UsageEvent(**values)  # type: ignore[arg-type]


async def _ingest(
    admin: AdminHarness, events: list[events_pb2.UsageEvent], expect: int = 0
) -> None:
    """Adds events to the stream and waits until the table holds ``expect``
    rows (default: as many as the events)."""
    for event in events:
        await admin.redis.xadd(
            admin.keys.usage_events, {EVENT_FIELD: event.SerializeToString()}
        )

    async def count() -> int:
        async with admin.ctx.sessions() as session:
            return int(await session.scalar(select(func.count(UsageRecord.id))) or 0)

    expect = expect or len(events)
    for _ in range(200):  # up to 10 s
        if await count() >= expect:
            break
        await asyncio.sleep(0.05)
    assert await count() == expect


@pytest.fixture
async def usage(admin: AdminHarness) -> AdminHarness:
    now_ms = int(time.time() * 1000)
    admin.now_ms = now_ms  # type: ignore[attr-defined]
    events = [_event(i, now_ms) for i in range(100)]  # openai: latency 100..199 ms
    events += [
        _event(
            100 + i,
            now_ms,
            provider_id="anthropic",
            account_id="anthropic-1",
            model="claude-haiku-4-5",
            api_key_id="key_b",
            latency_ms=1000.0,
            cost_usd=-1.0,  # no price: unknown, not free
            status=429 if i == 0 else 200,
            error_message="rate limited" if i == 0 else "",
            fallbacks=1,
            cache="exact",
        )
        for i in range(10)
    ]
    events.append(_event(500, now_ms, timestamp_unix_ms=now_ms - 3 * 86_400_000))
    await _ingest(admin, events)
    # A redelivered event is ignored.
    await admin.redis.xadd(
        admin.keys.usage_events, {EVENT_FIELD: events[0].SerializeToString()}
    )
    return admin


async def test_rows_carry_cost_session_kind(usage: AdminHarness) -> None:
    page = (
        await usage.client.get("/api/usage/logs", params={"provider": "anthropic"})
    ).json()
    assert page["total"] == 10
    assert all(e["cost_usd"] is None for e in page["entries"])
    logs = (
        await usage.client.get("/api/usage/request-logs", params={"limit": 1})
    ).json()
    entry = logs["entries"][0]
    assert entry["session_id"] == "s-1" and entry["kind"] == "chat"
    assert entry["gateway_ms"] == pytest.approx(10.0)
    assert entry["cost_usd"] == pytest.approx(0.01)


async def test_log_filters(usage: AdminHarness) -> None:
    get = usage.client.get
    assert (await get("/api/usage/logs", params={"status": 429})).json()["total"] == 1
    assert (await get("/api/usage/logs", params={"errors_only": True})).json()[
        "total"
    ] == 1
    assert (await get("/api/usage/logs", params={"model": "gpt-4o-mini"})).json()[
        "total"
    ] == 101
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert (await get("/api/usage/logs", params={"since": since})).json()[
        "total"
    ] == 110
    assert (await get("/api/usage/logs", params={"min_cost": 0.005})).json()[
        "total"
    ] == 101
    detail = await get("/api/usage/request-logs", params={"request_id": "req-100"})
    assert detail.json()["entries"][0]["error"] == "rate limited"
    assert detail.json()["entries"][0]["fallbacks"] == 1
    bad = await get("/api/usage/logs", params={"status": "abc"})
    assert bad.status_code == 400 and error_of(bad)["param"] == "query.status"


async def test_history_carries_latency_percentiles_per_group(
    admin: AdminHarness,
) -> None:
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    noon -= timedelta(days=2)
    noon_ms = int(noon.timestamp() * 1000)
    await _ingest(
        admin,
        [
            _event(
                i,
                noon_ms + 100_000,  # _event steps back one second per index
                provider_id="lat",
                latency_ms=float(i + 1),  # 1..100 ms
                # Even latencies on one model, odd ones on another.
                model="even" if i % 2 else "odd",
            )
            for i in range(100)
        ],
    )
    params = {
        "bucket": "hour",
        "provider": "lat",
        "since": noon.isoformat(),
        "until": (noon + timedelta(hours=1)).isoformat(),
    }
    history = (await admin.client.get("/api/usage/history", params=params)).json()
    [row] = history["series"]
    assert row["requests"] == 100
    assert row["p50Ms"] == pytest.approx(50.5, abs=0.1)
    assert row["p95Ms"] == pytest.approx(95.05, abs=0.1)
    assert row["p99Ms"] == pytest.approx(99.01, abs=0.1)
    grouped = await admin.client.get(
        "/api/usage/history", params={**params, "group_by": "model"}
    )
    by_model = {r["model"]: r for r in grouped.json()["series"]}
    assert by_model["odd"]["p50Ms"] == pytest.approx(50.0, abs=0.1)  # 1, 3 .. 99
    assert by_model["even"]["p50Ms"] == pytest.approx(51.0, abs=0.1)  # 2, 4 .. 100
    assert by_model["even"]["p99Ms"] == pytest.approx(99.02, abs=0.1)


async def test_history_and_connection(usage: AdminHarness) -> None:
    history = (
        await usage.client.get("/api/usage/history", params={"group_by": "provider"})
    ).json()
    assert history["totals"]["requests"] == 111
    assert history["totals"]["costUsd"] == pytest.approx(1.01)
    by_provider: dict[str, int] = {}
    for row in history["series"]:
        by_provider[row["provider"]] = (
            by_provider.get(row["provider"], 0) + row["requests"]
        )
    assert by_provider == {"openai": 101, "anthropic": 10}
    assert sum(r["errors"] for r in history["series"]) == 1
    hourly = (
        await usage.client.get(
            "/api/usage/history", params={"bucket": "hour", "group_by": "key"}
        )
    ).json()
    assert all("T" in r["bucket"] for r in hourly["series"])
    assert {r["key"] for r in hourly["series"]} == {"key_a", "key_b"}
    bad = await usage.client.get("/api/usage/history", params={"bucket": "week"})
    assert bad.status_code == 400

    one = (await usage.client.get("/api/usage/anthropic-1")).json()
    assert one["totals"]["requests"] == 10
    assert one["byModel"] == [
        {
            "model": "claude-haiku-4-5",
            "requests": 10,
            "totalTokens": 150,
            "costUsd": 0.0,
        }
    ]


async def test_telemetry_summary(usage: AdminHarness) -> None:
    summary = (await usage.client.get("/api/telemetry/summary")).json()
    openai = summary["providers"]["openai"]
    # 100 samples 100..199 ms within the 5-minute window.
    assert openai["count"] == 100
    assert openai["p50"] == pytest.approx(149.5)
    assert openai["p95"] == pytest.approx(194.05, abs=0.1)
    assert openai["p99"] == pytest.approx(198.01, abs=0.1)
    assert summary["providers"]["anthropic"] == {
        "p50": 1000.0,
        "p95": 1000.0,
        "p99": 1000.0,
        "count": 10,
    }
    # Events are 1 s apart, the newest at ingestion time.
    short = (
        await usage.client.get("/api/telemetry/summary", params={"windowMs": 20_000})
    ).json()
    assert 15 <= short["providers"]["openai"]["count"] <= 20


async def test_budget_spend(usage: AdminHarness) -> None:
    # The API key ids of the events are not real keys: make one real.
    key = (await usage.client.post("/api/keys", json={"name": "k"})).json()
    async with usage.ctx.sessions() as session, session.begin():
        rows = await session.scalars(
            select(UsageRecord).where(UsageRecord.api_key_id == "key_a")
        )
        for row in rows:
            row.api_key_id = key["id"]
    response = await usage.client.post(
        "/api/usage/budget", json={"keyId": key["id"], "limit": 2.0, "period": "daily"}
    )
    status = response.json()["budgets"][0]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    expected = (
        sum(
            1
            for i in range(100)
            if datetime.fromtimestamp((usage.now_ms - i * 1000) / 1000, UTC) >= today  # type: ignore[attr-defined]
        )
        * 0.01
    )
    assert status["spent"] == pytest.approx(expected)
    assert status["remaining"] == pytest.approx(2.0 - expected)
    assert status["percent"] == pytest.approx(100 * expected / 2.0, abs=0.01)
    assert status["periodStart"].startswith(today.date().isoformat())
    listed = (await usage.client.get("/api/usage/budget")).json()["budgets"]
    assert [b["keyId"] for b in listed] == [key["id"]]


async def test_budget_counters_start_from_the_recorded_spend(
    usage: AdminHarness,
) -> None:
    # A key that spent $0.75 today before it had a budget.
    key = (await usage.client.post("/api/keys", json={"name": "spender"})).json()
    now_ms = int(time.time() * 1000)
    await _ingest(
        usage,
        [
            _event(
                1000 + i,
                now_ms,
                timestamp_unix_ms=now_ms,
                api_key_id=key["id"],
                cost_usd=0.25,
            )
            for i in range(3)
        ],
        expect=114,  # the fixture's 111 rows and these 3
    )
    counter = usage.keys.budget_spend(key["id"], datetime.now(UTC).strftime("%Y-%m-%d"))
    assert await usage.redis.get(counter) is None
    response = await usage.client.post(
        "/api/usage/budget", json={"keyId": key["id"], "limit": 1.0, "period": "daily"}
    )
    assert response.status_code == 200, response.text
    # Set from the database before the edges see the budget: $0.25 left, not $1.
    assert int(await usage.redis.get(counter)) == 750_000
    assert 0 < await usage.redis.ttl(counter) <= 2 * 86_400

    # Reservations in flight put the counter above the recorded spend:
    # re-publishing leaves it alone (counters are only ever raised).
    await usage.redis.set(counter, 900_000)
    await usage.ctx.publisher.publish()
    assert int(await usage.redis.get(counter)) == 900_000

    # Redis loses its data: the periodic heal restores the counter.
    await usage.redis.delete(counter, usage.keys.config_version)
    await usage.ctx.publisher.ensure_published()
    assert int(await usage.redis.get(counter)) == 750_000
    assert await usage.redis.get(usage.keys.config_version) is not None
