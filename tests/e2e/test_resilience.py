"""Issue 4 acceptance: fallbacks, cooldowns, breakers, timeouts, overload, crashes.

Every test runs the real services as processes; faults come from the
provider simulator, matched on the credential each account presents.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import Simulator, admin_client, poll_until, usage_row

pytestmark = pytest.mark.e2e


def _admin(stack: Stack) -> httpx.Client:
    return admin_client(stack.edge_url, stack.admin_key)


def _config_version(stack: Stack) -> int:
    return int(httpx.get(stack.edge_url + "/healthz").json()["config_version"] or 0)


def _applied(stack: Stack, change: Any) -> Any:
    """Runs a management change and waits until the edge has the new config."""
    before = _config_version(stack)
    result = change()
    poll_until(lambda: _config_version(stack) > before, timeout=5)
    return result


def _provider(stack: Stack, pid: str, models: list[str], *keys: str) -> None:
    with _admin(stack) as admin:
        response = admin.post(
            "/api/providers",
            json={
                "id": pid,
                "kind": "openai-compatible",
                "base_url": stack.simulator_url + "/v1",
                "api_key": keys[0],
                "models": models,
            },
        )
        assert response.status_code == 201, response.text
        for priority, key in enumerate(keys[1:], start=2):
            response = admin.post(
                f"/api/providers/{pid}/accounts",
                json={"id": f"{pid}-{priority}", "api_key": key, "priority": priority},
            )
            assert response.status_code == 201, response.text


def _combo(stack: Stack, name: str, strategy: str, members: list[Any]) -> None:
    def create() -> None:
        with _admin(stack) as admin:
            response = admin.post(
                "/api/combos",
                json={
                    "name": name,
                    "strategy": strategy,
                    "members": [
                        m if isinstance(m, dict) else {"model": m, "weight": 1}
                        for m in members
                    ],
                },
            )
            assert response.status_code == 201, response.text

    _applied(stack, create)


def _resilience(stack: Stack, **profile: Any) -> None:
    def change() -> None:
        with _admin(stack) as admin:
            current = admin.get("/api/resilience").json()["profile"]
            response = admin.put("/api/resilience", json={**current, **profile})
            assert response.status_code == 200, response.text

    _applied(stack, change)


def _account_strategy(stack: Stack, provider: str, strategy: str) -> None:
    """Chooses how ``provider``'s accounts take turns (the only override)."""

    def change() -> None:
        with _admin(stack) as admin:
            routing = admin.get("/api/routing").json()
            routing["provider_account_strategies"] = {provider: strategy}
            assert admin.put("/api/routing", json=routing).status_code == 200

    _applied(stack, change)


def _chat(
    stack: Stack, model: str, content: str = "hello", **extra: Any
) -> httpx.Response:
    return httpx.post(
        stack.edge_url + "/v1/chat/completions",
        json={
            "model": model,
            "messages": [{"role": "user", "content": content}],
            **extra,
        },
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=60,
    )


async def _burst(
    stack: Stack, model: str, count: int, **extra: Any
) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=stack.edge_url, timeout=60) as client:
        return list(
            await asyncio.gather(
                *(
                    client.post(
                        "/v1/chat/completions",
                        json={
                            "model": model,
                            "messages": [{"role": "user", "content": f"request {i}"}],
                            **extra,
                        },
                        headers={"Authorization": f"Bearer {stack.api_key}"},
                    )
                    for i in range(count)
                )
            )
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("resilience"), executors=2)
    try:
        _provider(running, "pool", ["pool-model"], "sk-a", "sk-b")
        for name in ("p1", "p2", "p3", "flaky", "steady", "hang", "strict", "lone"):
            _provider(running, name, ["m1"], f"sk-{name}")
        yield running
    finally:
        running.stop()


@pytest.fixture
def sim(stack: Stack) -> Iterator[Simulator]:
    simulator = Simulator(stack.simulator_url)
    simulator.clear()
    yield simulator
    simulator.clear()
    simulator.http.close()
    with _admin(stack) as admin:
        admin.post("/api/resilience/reset", json={})


def test_a_rate_limited_account_rests_for_its_retry_after(
    stack: Stack, sim: Simulator
) -> None:
    sim.fault(key="sk-a", status=429, retry_after=2, times=1)
    first = _chat(stack, "pool/pool-model")
    assert first.status_code == 200
    limited_at = time.monotonic()
    assert sim.calls()["by_key"] == {"sk-a": 1, "sk-b": 1}
    with _admin(stack) as admin:
        cooling = admin.get("/api/resilience").json()["cooldowns"]
    assert [(c["provider"], c["account"]) for c in cooling] == [("pool", "pool-1")]
    while time.monotonic() - limited_at < 1.7:
        assert _chat(stack, "pool/pool-model").status_code == 200
    assert sim.calls()["by_key"]["sk-a"] == 1  # no traffic while it rests
    time.sleep(max(0.0, 2.1 - (time.monotonic() - limited_at)))
    assert _chat(stack, "pool/pool-model").status_code == 200
    assert sim.calls()["by_key"]["sk-a"] == 2  # and back in rotation after 2 s


def test_the_breaker_opens_skips_probes_once_and_closes(
    stack: Stack, sim: Simulator
) -> None:
    _resilience(
        stack,
        provider_breaker={
            "failure_threshold": 3,
            "window_seconds": 60,
            "reset_timeout_seconds": 2,
        },
        # The account's own breaker stays out of the way: this is the provider's.
        account_breaker={
            "failure_threshold": 100,
            "window_seconds": 60,
            "reset_timeout_seconds": 2,
        },
    )
    _combo(stack, "flaky-first", "priority", ["flaky/m1", "steady/m1"])
    sim.fault(key="sk-flaky", status=500, message="flaky is down")
    for _ in range(3):
        assert _chat(stack, "flaky-first").status_code == 200  # served by steady
    with _admin(stack) as admin:
        breakers = admin.get("/api/resilience").json()["breakers"]
    assert {"provider": "flaky", "state": "open"}.items() <= next(
        b for b in breakers if b["provider"] == "flaky" and not b["account"]
    ).items()
    opened_at = time.monotonic()
    for _ in range(5):  # both executors skip flaky without calling it
        assert _chat(stack, "flaky-first").status_code == 200
    assert sim.calls()["by_key"]["sk-flaky"] == 3
    sim.http.delete("/_sim/faults").raise_for_status()
    # A slow recovery: the burst below arrives while the single probe runs.
    sim.fault(key="sk-flaky", latency_ms=500)
    time.sleep(max(0.0, 2.2 - (time.monotonic() - opened_at)))
    answers = asyncio.run(_burst(stack, "flaky-first", 6))
    assert all(a.status_code == 200 for a in answers)
    assert sim.calls()["by_key"]["sk-flaky"] == 4  # exactly one probe

    def closed() -> bool:
        with _admin(stack) as admin:
            breakers = admin.get("/api/resilience").json()["breakers"]
        return all(b["state"] == "closed" or b["provider"] != "flaky" for b in breakers)

    poll_until(closed)
    assert _chat(stack, "flaky-first").headers["x-omniroute-provider"] == "flaky"


def test_an_accounts_own_breaker_half_opens_and_closes(
    stack: Stack, sim: Simulator
) -> None:
    """With one account, the account's breaker opens before the provider's
    (the default profiles do that too); it must come back by itself."""
    _resilience(
        stack,
        provider_breaker={
            "failure_threshold": 100,
            "window_seconds": 60,
            "reset_timeout_seconds": 30,
        },
        account_breaker={
            "failure_threshold": 2,
            "window_seconds": 60,
            "reset_timeout_seconds": 1,
        },
    )
    _combo(stack, "lone-first", "priority", ["lone/m1", "steady/m1"])
    sim.fault(key="sk-lone", status=500, message="lone is down")
    for _ in range(2):
        assert _chat(stack, "lone-first").headers["x-omniroute-provider"] == "steady"
    opened_at = time.monotonic()
    for _ in range(3):  # resting: not called
        assert _chat(stack, "lone-first").headers["x-omniroute-provider"] == "steady"
    assert sim.calls()["by_key"]["sk-lone"] == 2
    sim.http.delete("/_sim/faults").raise_for_status()
    sim.fault(key="sk-lone", latency_ms=500)  # the burst arrives during the probe
    time.sleep(max(0.0, 1.2 - (time.monotonic() - opened_at)))
    answers = asyncio.run(_burst(stack, "lone-first", 6))
    assert all(a.status_code == 200 for a in answers)
    assert sim.calls()["by_key"]["sk-lone"] == 3  # exactly one probe
    poll_until(
        lambda: _chat(stack, "lone-first").headers["x-omniroute-provider"] == "lone",
        timeout=5,
    )


def test_an_outage_is_reported_as_an_outage_not_a_rate_limit(
    stack: Stack, sim: Simulator
) -> None:
    """A provider that keeps answering 500 opens its breaker; the requests
    it then refuses are 503s saying so, never 429 "rate limited"."""
    _resilience(
        stack,
        provider_breaker={
            "failure_threshold": 100,
            "window_seconds": 60,
            "reset_timeout_seconds": 30,
        },
        account_breaker={
            "failure_threshold": 2,
            "window_seconds": 60,
            "reset_timeout_seconds": 30,
        },
    )
    sim.fault(key="sk-lone", status=500, message="lone is down")
    statuses = [_chat(stack, "lone/m1") for _ in range(5)]
    assert [r.status_code for r in statuses[:2]] == [502, 502]
    for refused in statuses[2:]:
        assert refused.status_code == 503, refused.text
        error = refused.json()["error"]
        assert error["type"] != "rate_limit_error"
        assert "circuit breaker is open" in error["message"]
        assert int(refused.headers["retry-after"]) > 0
    assert sim.calls()["by_key"]["sk-lone"] == 2


def test_a_hanging_stream_moves_to_the_next_target(
    stack: Stack, sim: Simulator
) -> None:
    _resilience(stack, first_token_timeout_seconds=1.0)
    _combo(stack, "hang-first", "priority", ["hang/m1", "steady/m1"])
    sim.fault(key="sk-hang", hang=True)
    started = time.monotonic()
    text = ""
    with httpx.stream(
        "POST",
        stack.edge_url + "/v1/chat/completions",
        json={
            "model": "hang-first",
            "stream": True,
            "messages": [{"role": "user", "content": "hi there"}],
        },
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
    ) as response:
        assert response.status_code == 200
        assert response.headers["x-omniroute-provider"] == "steady"
        for line in response.iter_lines():
            if line.startswith("data: {"):
                for choice in orjson.loads(line[6:])["choices"]:
                    text += choice["delta"].get("content") or ""
    assert text == "Echo: hi there"
    assert time.monotonic() - started < 1.0 + 1.5


def test_a_silent_non_streaming_target_moves_to_the_next_after_its_first_byte_timeout(
    stack: Stack, sim: Simulator
) -> None:
    """The default stays long; the provider's own setting is what applies."""
    _resilience(
        stack, first_token_timeout_seconds=60.0, first_byte_timeouts={"hang": 1.0}
    )
    _combo(stack, "silent-first", "priority", ["hang/m1", "steady/m1"])
    sim.fault(key="sk-hang", hang=True)
    started = time.monotonic()
    answer = _chat(stack, "silent-first", "anyone there")
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-omniroute-provider"] == "steady"
    assert time.monotonic() - started < 1.0 + 1.5
    poll_until(lambda: sim.calls()["held"] == 0, timeout=5)


def test_a_stream_that_stalls_ends_with_an_error_within_the_stall_limit(
    stack: Stack, sim: Simulator
) -> None:
    _resilience(stack, stall_timeout_seconds=1.0)
    sim.fault(key="sk-lone", hang_after_chunks=2)
    started = time.monotonic()
    with httpx.stream(
        "POST",
        stack.edge_url + "/v1/chat/completions",
        json={
            "model": "lone/m1",
            "stream": True,
            "messages": [{"role": "user", "content": "one two three four"}],
        },
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
    ) as response:
        assert response.status_code == 200
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 2.0, elapsed
    last = orjson.loads(lines[-1][len("data: ") :])
    assert "stalled" in last["error"]["message"], last


def test_a_refused_credential_moves_to_the_next_account_and_stays_out(
    stack: Stack, sim: Simulator
) -> None:
    sim.fault(key="sk-a", status=401, message="invalid api key")
    for _ in range(3):
        assert _chat(stack, "pool/pool-model").status_code == 200
    assert sim.calls()["by_key"] == {"sk-a": 1, "sk-b": 3}  # tried once, then out
    with _admin(stack) as admin:
        invalid = admin.get("/api/resilience").json()["invalid"]
    assert [(i["provider"], i["account"]) for i in invalid] == [("pool", "pool-1")]


def test_a_context_length_400_moves_to_the_next_target(
    stack: Stack, sim: Simulator
) -> None:
    _combo(stack, "small-first", "priority", ["p1/m1", "p2/m1"])
    sim.fault(
        key="sk-p1",
        status=400,
        message="This model's maximum context length is 8192 tokens",
    )
    response = _chat(stack, "small-first")
    assert response.status_code == 200, response.text
    assert response.headers["x-omniroute-provider"] == "p2"
    assert sim.calls()["by_key"] == {"sk-p1": 1, "sk-p2": 1}


@pytest.mark.parametrize("fault", ["truncate_after_chunks", "error_after_chunks"])
def test_a_failure_after_the_first_byte_ends_the_stream_with_an_error_event(
    stack: Stack, sim: Simulator, fault: str
) -> None:
    combo = f"breaks-{fault}"
    _combo(stack, combo, "priority", ["p1/m1", "p2/m1"])
    sim.fault(key="sk-p1", **{fault: 2})
    events = []
    with httpx.stream(
        "POST",
        stack.edge_url + "/v1/chat/completions",
        json={
            "model": combo,
            "stream": True,
            "messages": [{"role": "user", "content": "one two three four five six"}],
        },
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
    ) as response:
        assert response.status_code == 200
        events = [
            line[6:] for line in response.iter_lines() if line.startswith("data: ")
        ]
    chunks = [orjson.loads(e) for e in events if e != "[DONE]"]
    assert any(c.get("choices") for c in chunks)  # content came first
    assert "error" in chunks[-1], chunks[-1]
    assert chunks[-1]["error"]["message"]
    assert "[DONE]" not in events  # an error is not a normal end
    # No fallback after the first byte: the second target was never called.
    assert sim.calls()["by_key"] == {"sk-p1": 1}


def test_a_client_error_never_falls_back(stack: Stack, sim: Simulator) -> None:
    _combo(stack, "client-error", "priority", ["p1/m1", "p2/m1"])
    sim.fault(key="sk-p1", status=400, message="messages.0.content: invalid type")
    response = _chat(stack, "client-error")
    assert response.status_code == 400
    assert "invalid type" in response.json()["error"]["message"]
    assert sim.calls()["by_key"] == {"sk-p1": 1}


def test_round_robin_is_exact(stack: Stack, sim: Simulator) -> None:
    _combo(stack, "rr", "round-robin", ["p1/m1", "p2/m1", "p3/m1"])
    order = []
    for _ in range(12):
        order.append(_chat(stack, "rr").headers["x-omniroute-provider"])
    start = order.index("p1")
    assert order[start : start + 9] == ["p1", "p2", "p3"] * 3


def test_weighted_follows_the_weights(stack: Stack, sim: Simulator) -> None:
    _combo(
        stack,
        "weights",
        "weighted",
        [
            {"model": "p1/m1", "weight": 1},
            {"model": "p2/m1", "weight": 3},
            {"model": "p3/m1", "weight": 6},
        ],
    )
    answers = asyncio.run(_burst(stack, "weights", 300))
    picks = Counter(a.headers["x-omniroute-provider"] for a in answers)
    for provider, share in (("p1", 0.1), ("p2", 0.3), ("p3", 0.6)):
        assert abs(picks[provider] / 300 - share) < 0.08, picks


def test_least_used_and_strict_random_balance(stack: Stack, sim: Simulator) -> None:
    for strategy in ("least-used", "strict-random"):
        sim.clear()
        _combo(stack, f"bal-{strategy}", strategy, ["p1/m1", "p2/m1", "p3/m1"])
        picks = Counter(
            _chat(stack, f"bal-{strategy}").headers["x-omniroute-provider"]
            for _ in range(30)
        )
        assert picks == {"p1": 10, "p2": 10, "p3": 10}, (strategy, picks)


def test_random_and_p2c_spread_and_priority_and_fill_first_stay_first(
    stack: Stack, sim: Simulator
) -> None:
    for strategy in ("random", "p2c"):
        _combo(stack, f"spread-{strategy}", strategy, ["p1/m1", "p2/m1", "p3/m1"])
        picks = Counter(
            _chat(stack, f"spread-{strategy}").headers["x-omniroute-provider"]
            for _ in range(90)
        )
        # 30 each expected; 12..48 is four standard deviations for random.
        assert set(picks) == {"p1", "p2", "p3"}, (strategy, picks)
        assert all(12 <= n <= 48 for n in picks.values()), (strategy, picks)
    for strategy in ("priority", "fill-first"):
        _combo(stack, f"first-{strategy}", strategy, ["p1/m1", "p2/m1", "p3/m1"])
        picks = Counter(
            _chat(stack, f"first-{strategy}").headers["x-omniroute-provider"]
            for _ in range(10)
        )
        assert picks == {"p1": 10}, (strategy, picks)


def test_cost_optimized_picks_the_cheapest(stack: Stack, sim: Simulator) -> None:
    def prices() -> None:
        with _admin(stack) as admin:
            response = admin.patch(
                "/api/pricing",
                json={
                    "prices": [
                        {"provider": "p1", "model": "m1", "input": 5, "output": 15},
                        {"provider": "p2", "model": "m1", "input": 0.1, "output": 0.3},
                        {"provider": "p3", "model": "m1", "input": 1, "output": 2},
                    ]
                },
            )
            assert response.status_code == 200, response.text

    _applied(stack, prices)
    _combo(stack, "cheap", "cost-optimized", ["p1/m1", "p2/m1", "p3/m1"])
    picks = Counter(
        _chat(stack, "cheap").headers["x-omniroute-provider"] for _ in range(10)
    )
    assert picks == {"p2": 10}


def test_overload_is_a_503_with_retry_after_and_nothing_is_dropped(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    stack = start_stack(
        tmp_path_factory.mktemp("overload"), env={"EXECUTOR_CONCURRENCY": "2"}
    )
    try:
        _resilience(stack, max_dispatch_backlog=4)
        sim = Simulator(stack.simulator_url)
        sim.fault(model="gpt-4o-mini", latency_ms=700)
        answers = asyncio.run(_burst(stack, "demo/gpt-4o-mini", 30))
        statuses = Counter(a.status_code for a in answers)
        assert set(statuses) == {200, 503}, statuses
        assert statuses[503] >= 10
        for answer in answers:
            if answer.status_code == 503:
                assert int(answer.headers["retry-after"]) >= 1
                assert "overloaded" in answer.json()["error"]["message"]
            else:
                index = answer.json()["choices"][0]["message"]["content"]
                assert index.startswith("Echo: request ")
        # Every accepted request reached the provider once: nothing dropped.
        assert sim.calls()["total"] == statuses[200]
        sim.http.close()
    finally:
        stack.stop()


def test_a_killed_executor_loses_no_request(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    stack = start_stack(tmp_path_factory.mktemp("crash"), executors=2)
    try:
        sim = Simulator(stack.simulator_url)
        sim.fault(model="gpt-4o-mini", latency_ms=1500)

        async def scenario() -> list[httpx.Response]:
            pending = asyncio.ensure_future(_burst(stack, "demo/gpt-4o-mini", 12))
            await asyncio.sleep(0.5)
            stack.stop_service("executor-1", signal.SIGKILL)
            return await pending

        answers = asyncio.run(scenario())
        assert [a.status_code for a in answers] == [200] * 12
        assert sorted(
            a.json()["choices"][0]["message"]["content"] for a in answers
        ) == sorted(f"Echo: request {i}" for i in range(12))
        _taken_over_runs_are_billed_twice(stack, sim, answers)
        sim.http.close()
    finally:
        stack.stop()


def _taken_over_runs_are_billed_twice(
    stack: Stack, sim: Simulator, answers: list[httpx.Response]
) -> None:
    """The killed executor's requests reached the provider, which bills
    them; run again, each is recorded as two attempts at twice the cost."""
    rows = [
        usage_row(stack.edge_url, stack.admin_key, a.headers["X-Request-Id"])
        for a in answers
    ]
    rerun = [r for r in rows if r["interruptedCalls"] == 1]
    once = [r for r in rows if r["interruptedCalls"] == 0]
    assert rerun and once, rows
    assert sim.calls()["total"] == len(answers) + len(rerun)
    assert {r["attempts"] for r in rerun} == {2}
    assert {r["attempts"] for r in once} == {1}
    decisions = {
        a.headers["X-Request-Id"]: a.headers["X-OmniRoute-Decision"] for a in answers
    }
    assert all(decisions[r["id"]].endswith("attempts=2") for r in rerun)
    for row in rows:
        # gpt-4o-mini's list price: $0.15 in and $0.60 out per million tokens.
        per_call = (0.15 * row["tokens"]["in"] + 0.60 * row["tokens"]["out"]) / 1e6
        assert row["costUsd"] == pytest.approx(row["attempts"] * per_call)


def test_a_killed_executor_under_load_costs_seconds_not_minutes(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """kill -9 of one of two executors under 30 requests/s: the requests it
    held are taken over at once (its Redis connections close with it), so
    none waits for a heartbeat to expire; none is lost, none recorded twice."""
    stack = start_stack(tmp_path_factory.mktemp("takeover"), executors=2)
    sim = Simulator(stack.simulator_url)
    try:
        sim.fault(model="gpt-4o-mini", latency_ms=300)
        with admin_client(stack.edge_url, stack.admin_key) as admin:
            created = admin.post("/api/keys", json={"name": "load"})
            key_id, key = created.json()["id"], created.json()["key"]

        async def one(client: httpx.AsyncClient, i: int) -> tuple[int, float]:
            started = time.monotonic()
            response = await client.post(
                "/v1/chat/completions",
                json={
                    "model": "demo/gpt-4o-mini",
                    "messages": [{"role": "user", "content": f"load {i}"}],
                },
                headers={"Authorization": f"Bearer {key}"},
            )
            return response.status_code, time.monotonic() - started

        async def load() -> list[tuple[int, float]]:
            async with httpx.AsyncClient(base_url=stack.edge_url, timeout=60) as client:
                await asyncio.sleep(0.5)  # the new key reaches the edge
                tasks = []
                for i in range(150):  # 5 s at 30 requests/s
                    tasks.append(asyncio.ensure_future(one(client, i)))
                    if i == 45:
                        await asyncio.to_thread(
                            stack.stop_service, "executor-1", signal.SIGKILL
                        )
                    await asyncio.sleep(1 / 30)
                return list(await asyncio.gather(*tasks))

        results = asyncio.run(load())
        assert [status for status, _ in results] == [200] * 150
        latencies = sorted(seconds for _, seconds in results)
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        assert p99 < 2.0, latencies[-10:]

        def rows() -> list[dict[str, Any]]:
            with admin_client(stack.edge_url, stack.admin_key) as admin:
                found: list[dict[str, Any]] = admin.get(
                    "/api/usage/call-logs", params={"apiKeyId": key_id, "limit": 1000}
                ).json()
            return found

        poll_until(lambda: len(rows()) >= 150, timeout=15)
        ids = [row["id"] for row in rows()]
        assert len(ids) == 150 and len(set(ids)) == 150
    finally:
        sim.http.close()
        stack.stop()


def test_a_stopped_executor_finishes_its_requests_and_nobody_repeats_them(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """SIGTERM drains: requests it holds complete, and while it drains the
    other executor does not take them over (that would call the provider twice)."""
    # Four at a time each: both executors hold some of the eight requests.
    # Orphans are looked for every second, so a take-over would not be missed.
    stack = start_stack(
        tmp_path_factory.mktemp("drain"),
        executors=2,
        env={"EXECUTOR_CONCURRENCY": "4", "RECLAIM_IDLE_MS": "1000"},
    )
    try:
        sim = Simulator(stack.simulator_url)
        # Far longer than the reclaim idle time: a take-over would happen.
        sim.fault(model="gpt-4o-mini", latency_ms=5000)

        async def scenario() -> list[httpx.Response]:
            pending = asyncio.ensure_future(_burst(stack, "demo/gpt-4o-mini", 8))
            await asyncio.sleep(0.5)
            await asyncio.to_thread(stack.stop_service, "executor-1", signal.SIGTERM)
            return await pending

        answers = asyncio.run(scenario())
        assert [a.status_code for a in answers] == [200] * 8
        assert sorted(
            a.json()["choices"][0]["message"]["content"] for a in answers
        ) == sorted(f"Echo: request {i}" for i in range(8))
        assert sim.calls()["total"] == 8  # each request called the provider once
        assert "draining" in stack.log("executor-1")
        sim.http.close()
    finally:
        stack.stop()


def test_redis_restart_fails_fast_then_heals_and_loses_no_usage(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    stack = start_stack(tmp_path_factory.mktemp("redis-restart"))
    try:
        before = [_chat(stack, "demo/gpt-4o-mini", f"before {i}") for i in range(20)]
        ids = {r.headers["x-request-id"] for r in before}
        assert stack.redis is not None
        port = stack.redis.port
        stack.redis.stop()  # graceful: the AOF has everything it acknowledged
        for i in range(3):
            started = time.monotonic()
            response = _chat(stack, "demo/gpt-4o-mini", f"during {i}")
            assert response.status_code == 503, response.text
            assert time.monotonic() - started < 3.0
        stack.redis.start(port=port)
        healed = poll_until(
            lambda: (
                (r := _chat(stack, "demo/gpt-4o-mini", "after")).status_code == 200
                and r
            ),
            timeout=15,
            interval=0.2,
        )
        ids.add(healed.headers["x-request-id"])

        def recorded() -> set[str]:
            with _admin(stack) as admin:
                rows = admin.get("/api/usage/logs", params={"limit": 1000}).json()[
                    "entries"
                ]
            return {row["request_id"] for row in rows}

        poll_until(lambda: ids <= recorded(), timeout=15)

        # Router and cache came back by themselves too.
        with _admin(stack) as admin:
            health = admin.get("/api/monitoring/health").json()
        assert health["services"]["router"]["status"] == "ok"
        assert health["services"]["cache"]["status"] == "ok"
    finally:
        stack.stop()


def test_least_used_accounts_balance_across_executors(
    stack: Stack, sim: Simulator
) -> None:
    _provider(stack, "balanced", ["m1"], "sk-l1", "sk-l2")
    _account_strategy(stack, "balanced", "least-used")
    # One at a time: nothing is ever in flight, so only shared counts balance.
    for _ in range(10):
        assert _chat(stack, "balanced/m1").status_code == 200
    assert sim.calls()["by_key"] == {"sk-l1": 5, "sk-l2": 5}


def test_a_session_stays_on_one_account(stack: Stack, sim: Simulator) -> None:
    """``X-Session-Id`` pins a conversation to the account that first served it,
    across both executors, while requests without one rotate."""
    _provider(stack, "sticky", ["m1"], "sk-s1", "sk-s2")
    _account_strategy(stack, "sticky", "round-robin")
    for _ in range(4):
        assert _chat(stack, "sticky/m1").status_code == 200
    assert sim.calls()["by_key"] == {"sk-s1": 2, "sk-s2": 2}

    sim.clear()
    session = {"X-Session-Id": "conversation-42"}
    answers = [
        httpx.post(
            stack.edge_url + "/v1/chat/completions",
            json={
                "model": "sticky/m1",
                "messages": [{"role": "user", "content": "hi"}],
            },
            headers={"Authorization": f"Bearer {stack.api_key}", **session},
            timeout=60,
        )
        for _ in range(6)
    ]
    assert [a.status_code for a in answers] == [200] * 6
    assert {a.headers["X-OmniRoute-Session-Id"] for a in answers} == {"conversation-42"}
    by_key = sim.calls()["by_key"]
    assert list(by_key.values()) == [6], by_key  # one account served them all
