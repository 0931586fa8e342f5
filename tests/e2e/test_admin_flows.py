"""Issue 5 acceptance through the running stack: keys, budgets, limits,
settings applied at the edge, and no usage lost while admin is down."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from omniroute.runtime.redis_keys import RedisKeys
from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import RecordingProxy, Simulator, admin_client, poll_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("admin-flows"))
    try:
        yield running
    finally:
        running.stop()


def _admin(stack: Stack) -> httpx.Client:
    return admin_client(stack.edge_url, stack.admin_key)


def _new_key(stack: Stack, **fields: Any) -> tuple[str, str]:
    with _admin(stack) as admin:
        created = admin.post("/api/keys", json={"name": "test", **fields})
        assert created.status_code == 201, created.text
        body = created.json()
    return body["id"], body["key"]


def _chat(stack: Stack, key: str, content: str = "hi", **extra: Any) -> httpx.Response:
    return httpx.post(
        stack.edge_url + "/v1/chat/completions",
        json={
            "model": "demo/gpt-4o-mini",
            "messages": [{"role": "user", "content": content}],
            **extra,
        },
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )


def test_a_new_key_works_within_a_second_and_a_revoked_one_stops(stack: Stack) -> None:
    key_id, key = _new_key(stack)
    created = time.monotonic()
    poll_until(lambda: _chat(stack, key).status_code == 200, timeout=5, interval=0.02)
    assert time.monotonic() - created < 1.0
    with _admin(stack) as admin:
        assert admin.post(f"/api/keys/{key_id}/revoke").status_code == 200
    revoked = time.monotonic()
    poll_until(lambda: _chat(stack, key).status_code == 401, timeout=5, interval=0.02)
    assert time.monotonic() - revoked < 1.0


def _key_with_budget(stack: Stack, limit: float) -> tuple[str, str]:
    """A new key with a monthly budget; at 1000 $/M tokens one "hi" with
    ``max_tokens=2`` costs (4 prompt + 2 answer tokens) = $0.006."""
    with _admin(stack) as admin:
        priced = admin.patch(
            "/api/pricing",
            json={
                "prices": [
                    {
                        "provider": "demo",
                        "model": "gpt-4o-mini",
                        "input": 1000,
                        "output": 1000,
                    }
                ]
            },
        )
        assert priced.status_code == 200, priced.text
    key_id, key = _new_key(stack)
    with _admin(stack) as admin:
        set_budget = admin.post(
            "/api/usage/budget",
            json={"keyId": key_id, "limit": limit, "period": "monthly"},
        )
        assert set_budget.status_code == 200, set_budget.text
    return key_id, key


def test_the_budget_holds_under_a_race(stack: Stack) -> None:
    _, key = _key_with_budget(stack, 0.06)
    poll_until(lambda: _chat(stack, key, max_tokens=2).status_code == 200, timeout=5)

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=stack.edge_url, timeout=30) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post(
                            "/v1/chat/completions",
                            json={
                                "model": "demo/gpt-4o-mini",
                                "max_tokens": 2,
                                "messages": [{"role": "user", "content": "hi"}],
                            },
                            headers={"Authorization": f"Bearer {key}"},
                        )
                        for _ in range(50)
                    )
                )
            )

    answers = asyncio.run(race())
    statuses = Counter(a.status_code for a in answers)
    # One request was spent before the race: at most 10 fit in the budget in all.
    assert set(statuses) <= {200, 429}
    assert 1 <= statuses[200] <= 10, statuses
    refused = next(a for a in answers if a.status_code == 429)
    assert "Budget limit exceeded" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) > 0


def test_a_spent_budget_stays_spent_when_redis_loses_its_data(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    own = start_stack(tmp_path_factory.mktemp("redis-flush"))
    try:
        key_id, key = _key_with_budget(own, 0.03)  # about five requests
        statuses: list[int] = []

        def spend() -> int:
            statuses.append(_chat(own, key, max_tokens=2).status_code)
            return statuses[-1]

        poll_until(lambda: spend() == 200, timeout=5)  # the new key has arrived
        while statuses[-1] != 429 and len(statuses) < 20:
            spend()
        assert statuses[-1] == 429
        admitted = statuses.count(200)
        assert admitted >= 4, statuses

        def recorded_spend() -> float:
            with _admin(own) as admin:
                budgets = admin.get("/api/usage/budget", params={"keyId": key_id})
                return float(budgets.json()["budgets"][0]["spent"])

        poll_until(
            lambda: recorded_spend() == pytest.approx(0.006 * admitted), timeout=10
        )

        store = redis.Redis.from_url(own.redis_url)
        try:
            store.flushall()  # a restart without persistence, say
            # Admin notices within its heal interval and puts back the config
            # snapshot, raising the budget counters from the database first.
            poll_until(lambda: store.exists(RedisKeys().config_version), timeout=10)
        finally:
            store.close()
        refused = _chat(own, key, max_tokens=2)
        assert refused.status_code == 429, refused.text
        assert "Budget limit exceeded" in refused.json()["error"]["message"]
        # The rest of the gateway works again after the loss.
        _, fresh = _new_key(own)
        poll_until(lambda: _chat(own, fresh).status_code == 200, timeout=10)
    finally:
        own.stop()


def test_requests_per_minute_are_limited_per_key(stack: Stack) -> None:
    _, key = _new_key(stack, rpm_limit=3)
    poll_until(lambda: _chat(stack, key).status_code == 200, timeout=5)
    statuses = [_chat(stack, key).status_code for _ in range(4)]
    assert statuses[:2] == [200, 200] and statuses[-1] == 429


def test_gateway_settings_reach_the_edge(stack: Stack) -> None:
    sim = Simulator(stack.simulator_url)
    sim.clear()
    with _admin(stack) as admin:
        assert (
            admin.put(
                "/api/settings/system-prompt",
                json={
                    "enabled": True,
                    "prefix": "Follow the house rules.",
                    "suffix": "",
                },
            ).status_code
            == 200
        )

    def wrapped() -> bool:
        _chat(stack, stack.api_key, "prompt check")
        recent = sim.calls()["recent"]
        system = recent[-1]["body"]["messages"][0] if recent else {}
        return system.get("content") == "Follow the house rules."

    poll_until(wrapped, timeout=5)
    with _admin(stack) as admin:
        admin.put(
            "/api/settings/system-prompt",
            json={"enabled": False, "prefix": "", "suffix": ""},
        )
        assert (
            admin.put(
                "/api/settings/ip-filter",
                json={
                    "enabled": True,
                    "mode": "blacklist",
                    "blacklist": ["127.0.0.0/8"],
                    "whitelist": [],
                },
            ).status_code
            == 200
        )
    try:
        blocked = poll_until(
            lambda: (r := _chat(stack, stack.api_key)).status_code == 403 and r,
            timeout=5,
        )
        assert "blocked" in blocked.json()["error"]["message"]
    finally:
        with _admin(stack) as admin:
            admin.put(
                "/api/settings/ip-filter",
                json={
                    "enabled": False,
                    "mode": "blacklist",
                    "blacklist": [],
                    "whitelist": [],
                },
            )
        poll_until(lambda: _chat(stack, stack.api_key).status_code == 200, timeout=5)
    sim.http.close()


def test_no_usage_is_lost_while_admin_is_down(stack: Stack) -> None:
    key_id, key = _new_key(stack)
    poll_until(lambda: _chat(stack, key).status_code == 200, timeout=5)
    stack.stop_service("admin", signal.SIGTERM)
    try:

        async def serve() -> list[httpx.Response]:
            limits = asyncio.Semaphore(20)
            async with httpx.AsyncClient(base_url=stack.edge_url, timeout=60) as client:

                async def one(i: int) -> httpx.Response:
                    async with limits:
                        return await client.post(
                            "/v1/chat/completions",
                            json={
                                "model": "demo/gpt-4o-mini",
                                "messages": [{"role": "user", "content": f"n {i}"}],
                            },
                            headers={"Authorization": f"Bearer {key}"},
                        )

                return list(await asyncio.gather(*(one(i) for i in range(500))))

        answers = asyncio.run(serve())
        assert [a.status_code for a in answers] == [200] * 500
    finally:
        stack.start_service("admin")

    def rows() -> list[dict[str, Any]]:
        with _admin(stack) as admin:
            page = admin.get(
                "/api/usage/logs", params={"api_key_id": key_id, "limit": 1000}
            )
            return list(page.json()["entries"])

    recorded = poll_until(lambda: len(r := rows()) >= 501 and r, timeout=30)
    ids = [row["request_id"] for row in recorded]
    assert (
        len(ids) == len(set(ids)) == 501
    )  # the 500, plus the one before: no duplicates
    assert {a.headers["x-request-id"] for a in answers} <= set(ids)


def test_a_key_limited_to_some_models_is_refused_the_others(stack: Stack) -> None:
    key_id, key = _new_key(stack)
    with _admin(stack) as admin:
        response = admin.post(
            "/api/policies",
            json={"keyId": key_id, "allowedModels": ["demo/gpt-4o-mini"]},
        )
        assert response.status_code == 200, response.text
    refused = poll_until(
        lambda: (
            (r := _chat(stack, key, model="demo/sim-echo")).status_code == 403 and r
        ),
        timeout=5,
        interval=0.05,
    )
    error = refused.json()["error"]
    assert error["code"] == "model_not_allowed"
    assert "demo/sim-echo" in error["message"]  # what was refused
    assert "demo/gpt-4o-mini" in error["message"]  # and what may be used instead
    assert _chat(stack, key).status_code == 200  # the allowed model still works


def test_monitoring_health_reports_every_service_up(stack: Stack) -> None:
    with _admin(stack) as admin:
        health = admin.get("/api/monitoring/health").json()
    statuses = {name: s["status"] for name, s in health["services"].items()}
    assert statuses == {
        name: "ok"
        for name in (
            "admin",
            "edge",
            "redis",
            "database",
            "router",
            "cache",
            "executor",
        )
    }
    assert health["status"] == "healthy"


def test_provider_calls_go_through_the_configured_proxy(stack: Stack) -> None:
    def set_proxy(url: str) -> None:
        with _admin(stack) as admin:
            response = admin.put(
                "/api/settings/proxy", json={"url": url, "enabled": bool(url)}
            )
            assert response.status_code == 200, response.text

    _, key = _new_key(stack)
    with RecordingProxy() as proxy:
        set_proxy(proxy.url)
        try:
            poll_until(
                lambda: _chat(stack, key).status_code == 200 and proxy.requests,
                timeout=10,
            )
            carried = len(proxy.requests)
            answer = _chat(stack, key, "through the proxy")
            assert answer.json()["choices"][0]["message"]["content"] == (
                "Echo: through the proxy"
            )
            assert len(proxy.requests) == carried + 1
            assert proxy.requests[-1] == (
                f"POST {stack.simulator_url}/v1/chat/completions"
            )
        finally:
            set_proxy("")
        # Off again: calls go straight to the provider.
        poll_until(
            lambda: (
                (before := len(proxy.requests)) is not None
                and _chat(stack, key).status_code == 200
                and len(proxy.requests) == before
            ),
            timeout=10,
        )


def test_tokens_per_minute_are_limited_per_key(stack: Stack) -> None:
    # One "hi" costs 4 prompt + 2 answer tokens: the second request finds the
    # minute's 5 tokens spent (tokens count from the real usage, once answered).
    _, key = _new_key(stack, tpm_limit=5)
    if time.time() % 60 > 55:  # the limit is per calendar minute: start a fresh one
        time.sleep(60.2 - time.time() % 60)
    poll_until(lambda: _chat(stack, key, max_tokens=2).status_code == 200, timeout=5)
    # Tokens are settled just after the answer, so allow one more to slip by.
    answers = [_chat(stack, key, max_tokens=2) for _ in range(2)]
    refused = answers[-1]
    assert refused.status_code == 429, [a.status_code for a in answers]
    assert "token" in refused.json()["error"]["message"].lower()
    assert int(refused.headers["retry-after"]) <= 60


def test_an_eval_suite_runs_through_the_gateway(stack: Stack) -> None:
    with _admin(stack) as admin:
        saved = admin.post(
            "/api/evals",
            json={
                "name": "smoke",
                "model": "demo/gpt-4o-mini",
                "cases": [
                    {"prompt": "ping", "expect": {"equals": "Echo: ping"}},
                    {"prompt": "pong", "expect": {"contains": "never said"}},
                ],
            },
        )
        assert saved.status_code == 201, saved.text
        ran = admin.post("/api/evals/smoke/run", json={"apiKey": stack.api_key})
        assert ran.status_code == 200, ran.text
        body = ran.json()
        listed = admin.get("/api/evals").json()["suites"]
    assert (body["passed"], body["total"]) == (1, 2)
    assert [r["passed"] for r in body["results"]] == [True, False]
    assert body["results"][0]["status"] == 200
    assert next(s for s in listed if s["name"] == "smoke")["lastRun"]["passed"] == 1
