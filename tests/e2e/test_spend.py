"""Issue 20 through the running stack: a stream its client abandons is
billed for what was generated and its upstream call stops at once; priced
media cannot escape a budget under concurrency."""

from __future__ import annotations

import asyncio
import threading
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

MODEL = "demo/gpt-4o-mini"
WORDS = 100


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("spend"))
    try:
        with admin_client(running.edge_url, running.admin_key) as admin:
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
        yield running
    finally:
        running.stop()


def _new_key(stack: Stack, budget: float = 0.0) -> tuple[str, str]:
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        created = admin.post("/api/keys", json={"name": "spend"})
        assert created.status_code == 201, created.text
        key_id, key = created.json()["id"], created.json()["key"]
        if budget:
            set_budget = admin.post(
                "/api/usage/budget",
                json={"keyId": key_id, "limit": budget, "period": "monthly"},
            )
            assert set_budget.status_code == 200, set_budget.text
    return key_id, key


def _row(stack: Stack, request_id: str) -> dict[str, Any]:
    return usage_row(stack.edge_url, stack.admin_key, request_id)


def _stream_body() -> dict[str, Any]:
    return {
        "model": MODEL,
        "stream": True,
        "messages": [{"role": "user", "content": f"sim:long={WORDS} tell me"}],
    }


def _pieces(line: str) -> int:
    if not line.startswith("data: {"):
        return 0
    choices = orjson.loads(line[len("data: ") :]).get("choices") or [{}]
    return 1 if (choices[0].get("delta") or {}).get("content") else 0


def test_an_abandoned_stream_is_billed_and_its_upstream_call_stops(
    stack: Stack, sim: Simulator
) -> None:
    _, key = _new_key(stack)
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=stack.edge_url, headers=headers, timeout=30) as http:
        whole = http.post("/v1/chat/completions", json=_stream_body())
        assert whole.status_code == 200
        full_cost = _row(stack, whole.headers["x-request-id"])["costUsd"]
        total = sum(_pieces(line) for line in whole.text.splitlines())
        assert total > WORDS
        # The next answer trickles, so the client can leave with 1% unread.
        sim.fault(model="gpt-4o-mini", chunk_delay_ms=40)
        with http.stream("POST", "/v1/chat/completions", json=_stream_body()) as live:
            request_id = live.headers["x-request-id"]
            read = 0
            for line in live.iter_lines():
                read += _pieces(line)
                if read >= total - 1:
                    break
        left = time.monotonic()
    poll_until(lambda: sim.calls()["streaming"] == 0, timeout=5, interval=0.02)
    stopped_after = time.monotonic() - left
    assert stopped_after < 1.0, stopped_after
    assert sim.calls()["streams_abandoned"] == 1
    row = _row(stack, request_id)
    assert row["status"] == 499
    assert row["costUsd"] >= 0.95 * full_cost, (row["costUsd"], full_cost)


def test_fifty_concurrent_images_pass_at_most_what_the_budget_holds(
    stack: Stack, sim: Simulator
) -> None:
    _, key = _new_key(stack, budget=0.10)
    headers = {"Authorization": f"Bearer {key}"}
    body = {"model": "demo/dall-e-3", "prompt": "a lighthouse"}

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            base_url=stack.edge_url, headers=headers, timeout=30
        ) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post("/v1/images/generations", json=body)
                        for _ in range(50)
                    )
                )
            )

    poll_until(lambda: _budget_applies(stack, key), timeout=5)
    statuses = Counter(a.status_code for a in asyncio.run(race()))
    # $0.04 an image against $0.10: two fit.
    assert statuses[200] <= 3 and statuses[200] + statuses[429] == 50, statuses
    ten = httpx.post(
        stack.edge_url + "/v1/images/generations",
        json={**body, "n": 10},
        headers=headers,
        timeout=30,
    )
    assert ten.status_code == 429
    assert "may cost up to $0.40" in ten.json()["error"]["message"]


def _budget_applies(stack: Stack, key: str) -> bool:
    """Have the new key and its budget reached the edge?"""
    response = httpx.get(
        stack.edge_url + "/v1/quotas/check",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    return response.status_code == 200 and bool(response.json()["limits"]["budget"])


def test_a_non_streaming_client_that_hangs_up_stops_its_upstream_call(
    stack: Stack, sim: Simulator
) -> None:
    _, key = _new_key(stack)
    sim.fault(model="gpt-4o-mini", hang=True)

    def ask() -> None:
        with pytest.raises(httpx.TimeoutException):
            httpx.post(
                stack.edge_url + "/v1/chat/completions",
                json={"model": MODEL, "messages": [{"role": "user", "content": "?"}]},
                headers={"Authorization": f"Bearer {key}"},
                timeout=1.5,
            )

    client = threading.Thread(target=ask)
    client.start()
    # The provider is holding the call while the client waits.
    poll_until(lambda: sim.calls()["held"] == 1, timeout=5, interval=0.02)
    client.join()
    left = time.monotonic()
    poll_until(lambda: sim.calls()["held"] == 0, timeout=5, interval=0.02)
    assert time.monotonic() - left < 1.0
