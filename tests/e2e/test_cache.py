"""Issue 6 acceptance: exact and semantic cache, idempotency, progress events."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import orjson
import pytest

from omniroute.cache.v1 import cache_pb2, cache_pb2_grpc
from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import Simulator, admin_client, poll_until, poll_until_async

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cache_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("cache"))
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def simulator(cache_stack: Stack) -> Iterator[Simulator]:
    sim = Simulator(cache_stack.simulator_url)
    sim.clear()
    yield sim
    sim.clear()
    sim.http.close()


def _ask(
    stack: Stack,
    content: str,
    *,
    key: str | None = None,
    model: str = "demo/gpt-4o-mini",
    temperature: float = 0,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = {
        "model": model,
        "temperature": temperature,
        "messages": [{"role": "user", "content": content}],
    }
    response = httpx.post(
        stack.edge_url + "/v1/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {key or stack.api_key}", **(headers or {})},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response


def _enable_semantic(stack: Stack) -> None:
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        before = httpx.get(stack.edge_url + "/healthz").json()["config_version"]
        response = admin.put(
            "/api/settings/cache",
            json={
                "exact_enabled": True,
                "semantic_enabled": True,
                "similarity_threshold": 0.88,
                "ttl_seconds": 600,
                "cache_sampled": False,
            },
        )
        assert response.status_code == 200, response.text
    poll_until(
        lambda: (
            httpx.get(stack.edge_url + "/healthz").json()["config_version"] != before
        )
    )


def _hit(stack: Stack, content: str, **kwargs: Any) -> httpx.Response:
    """Asks until the answer comes from the cache (stores are asynchronous)."""
    return poll_until(
        lambda: (
            (r := _ask(stack, content, **kwargs)).headers["x-omniroute-cache"] == "HIT"
            and r
        ),
        timeout=5,
    )


def test_paraphrases_hit_and_everything_else_misses(
    cache_stack: Stack, simulator: Simulator
) -> None:
    _enable_semantic(cache_stack)
    first = _ask(cache_stack, "What is the capital of France?")
    assert first.headers["x-omniroute-cache"] == "MISS"

    def indexed() -> bool:
        with admin_client(cache_stack.edge_url, cache_stack.admin_key) as admin:
            stats = admin.get("/api/cache").json()
        return bool(stats["semanticCache"]["dbSize"] >= 1)

    # The store is fire-and-forget: asking the paraphrase before it lands
    # would miss and store the paraphrase itself.
    poll_until(indexed)
    paraphrase = _hit(cache_stack, "Tell me France's capital city")
    assert paraphrase.headers["x-omniroute-cache-similarity"]
    assert paraphrase.json()["choices"][0]["message"]["content"] == (
        "Echo: What is the capital of France?"
    )
    calls_before = simulator.calls()["total"]
    misses = [
        _ask(cache_stack, "How do I reverse a list in Python?"),
        _ask(cache_stack, "What is the capital of France?", model="demo/gpt-4o"),
        _ask(cache_stack, "What is the capital of France?", temperature=0.0001),
        _ask(cache_stack, "What is the capital of France?", key=cache_stack.admin_key),
    ]
    assert [m.headers["x-omniroute-cache"] for m in misses] == ["MISS"] * 4
    assert simulator.calls()["total"] == calls_before + 4
    # Another key never sees the first key's answer, even verbatim.
    assert misses[3].json()["choices"][0]["message"]["content"] == (
        "Echo: What is the capital of France?"
    )


def test_cache_stats_in_the_management_api(cache_stack: Stack) -> None:
    with admin_client(cache_stack.edge_url, cache_stack.admin_key) as admin:
        stats = admin.get("/api/cache").json()
    semantic = stats["semanticCache"]
    assert {"memorySize", "memoryMaxSize", "dbSize", "hitRate"} <= semantic.keys()
    assert {"activeKeys", "windowMs"} <= stats["idempotency"].keys()
    assert stats["idempotency"]["windowMs"] == 5000


def test_ten_duplicates_make_one_upstream_call(
    cache_stack: Stack, simulator: Simulator
) -> None:
    simulator.fault(model="gpt-4o-mini", latency_ms=600)
    body = {
        "model": "demo/gpt-4o-mini",
        "temperature": 0.7,
        "messages": [{"role": "user", "content": "only once please"}],
    }
    headers = {
        "Authorization": f"Bearer {cache_stack.api_key}",
        "Idempotency-Key": "k-123",
    }

    async def one(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/v1/chat/completions", json=body, headers=headers)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            base_url=cache_stack.edge_url, timeout=30
        ) as client:
            return await asyncio.gather(*(one(client) for _ in range(10)))

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * 10
    assert len({r.content for r in responses}) == 1
    assert (
        sum(r.headers.get("x-omniroute-idempotent") == "true" for r in responses) == 9
    )
    assert simulator.calls()["total"] == 1


def test_a_duplicate_of_a_request_whose_client_left_is_answered_anew(
    cache_stack: Stack, simulator: Simulator
) -> None:
    """The first request's client hangs up: its claim is given up, so the
    duplicate right after is answered by the provider, not told "499"."""
    simulator.fault(model="gpt-4o-mini", latency_ms=1500)
    body = {
        "model": "demo/gpt-4o-mini",
        "temperature": 0.7,
        "messages": [{"role": "user", "content": "asked twice"}],
    }
    headers = {
        "Authorization": f"Bearer {cache_stack.api_key}",
        "Idempotency-Key": "k-left",
    }

    async def leave_then_retry() -> tuple[httpx.Response, float]:
        async with httpx.AsyncClient(
            base_url=cache_stack.edge_url, timeout=30
        ) as client:
            with contextlib.suppress(httpx.TimeoutException):
                await client.post(
                    "/v1/chat/completions", json=body, headers=headers, timeout=0.5
                )
            await asyncio.sleep(0.3)  # the edge notices and gives the claim up
            began = time.monotonic()
            answer = await client.post(
                "/v1/chat/completions", json=body, headers=headers
            )
            return answer, time.monotonic() - began

    answer, took = asyncio.run(leave_then_retry())
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"] == "Echo: asked twice"
    assert "x-omniroute-idempotent" not in answer.headers
    # Its own call (1.5 s), not a wait for the first one's.
    assert took < 5


def test_a_claim_of_a_dead_edge_lapses_in_seconds(
    cache_stack: Stack, simulator: Simulator
) -> None:
    """kill -9 of the edge holding a claim: its duplicate, sent to the edge
    started again, waits out the claim's lease (15 s), not the request
    timeout (600 s), and is then answered."""
    simulator.fault(model="gpt-4o-mini", latency_ms=3000)
    body = {
        "model": "demo/gpt-4o-mini",
        "temperature": 0.7,
        "messages": [{"role": "user", "content": "edge dies"}],
    }
    headers = {
        "Authorization": f"Bearer {cache_stack.api_key}",
        "Idempotency-Key": "k-dead-edge",
    }

    async def first() -> None:
        async with httpx.AsyncClient(
            base_url=cache_stack.edge_url, timeout=30
        ) as client:
            with contextlib.suppress(httpx.HTTPError):
                await client.post("/v1/chat/completions", json=body, headers=headers)

    async def kill_while_in_flight() -> None:
        pending = asyncio.ensure_future(first())
        await asyncio.sleep(0.5)
        await asyncio.to_thread(cache_stack.stop_service, "edge", signal.SIGKILL)
        await pending

    asyncio.run(kill_while_in_flight())
    cache_stack.start_service("edge")
    began = time.monotonic()
    answer = httpx.post(
        cache_stack.edge_url + "/v1/chat/completions",
        json=body,
        headers=headers,
        timeout=60,
    )
    took = time.monotonic() - began
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"] == "Echo: edge dies"
    assert took < 25


def test_a_reused_key_with_another_body_is_not_a_replay_even_when_rewritten(
    cache_stack: Stack, simulator: Simulator
) -> None:
    """A global system prompt rewrites every request; the key must still be
    bound to what the client sent, or different questions share one answer."""

    def system_prompt(enabled: bool) -> None:
        with admin_client(cache_stack.edge_url, cache_stack.admin_key) as admin:
            response = admin.put(
                "/api/settings/system-prompt",
                json={"enabled": enabled, "prefix": "House rules." if enabled else ""},
            )
            assert response.status_code == 200, response.text

    def ask(content: str, key: str = "") -> httpx.Response:
        headers = {"Authorization": f"Bearer {cache_stack.api_key}"}
        if key:
            headers["Idempotency-Key"] = key
        return httpx.post(
            cache_stack.edge_url + "/v1/chat/completions",
            json={
                "model": "demo/gpt-4o-mini",
                "temperature": 0.7,
                "messages": [{"role": "user", "content": content}],
            },
            headers=headers,
            timeout=30,
        )

    system_prompt(True)
    try:

        def rewritten() -> bool:
            ask("is the prompt on?")
            sent = simulator.calls()["recent"][-1]["body"]["messages"]
            return bool(sent[0]["role"] == "system")

        poll_until(rewritten, timeout=5)
        first = ask("first question", key="k-reused")
        second = ask("second question", key="k-reused")
        assert (
            first.json()["choices"][0]["message"]["content"] == "Echo: first question"
        )
        assert second.json()["choices"][0]["message"]["content"] == (
            "Echo: second question"
        )
        assert "x-omniroute-idempotent" not in second.headers
    finally:
        system_prompt(False)


def test_a_second_replica_finds_what_the_first_stored(cache_stack: Stack) -> None:
    cache_stack.start_service("cache-2")
    try:
        request = orjson.dumps(
            {
                "model": "m",
                "messages": [{"role": "user", "content": "Write a poem about the sea"}],
            }
        )
        paraphrase = orjson.dumps(
            {
                "model": "m",
                "messages": [
                    {"role": "user", "content": "Write a poem about the ocean"}
                ],
            }
        )

        async def exchange() -> cache_pb2.LookupResponse:
            first = grpc.aio.insecure_channel(
                f"127.0.0.1:{cache_stack.config.cache_port}"
            )
            second_port = cache_stack.replica_ports["cache-2"][0]
            second = grpc.aio.insecure_channel(f"127.0.0.1:{second_port}")
            async with first, second:
                await cache_pb2_grpc.CacheServiceStub(first).Store(
                    cache_pb2.StoreRequest(
                        scope="replicas",
                        model="m",
                        request=request,
                        response=b'{"x":1}',
                        semantic=True,
                    ),
                    timeout=10,
                )
                stub = cache_pb2_grpc.CacheServiceStub(second)
                deadline = time.monotonic() + 5
                while True:
                    found = await stub.Lookup(
                        cache_pb2.LookupRequest(
                            scope="replicas",
                            model="m",
                            request=paraphrase,
                            semantic=True,
                            threshold=0.88,
                        ),
                        timeout=10,
                    )
                    if found.hit or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.05)
                # Both replicas count into the same shared statistics.
                before = await stub.Stats(cache_pb2.StatsRequest(), timeout=10)
                stats = await cache_pb2_grpc.CacheServiceStub(first).Stats(
                    cache_pb2.StatsRequest(), timeout=10
                )
                assert (stats.hits, stats.semantic_hits) == (
                    before.hits,
                    before.semantic_hits,
                )
                assert stats.semantic_hits >= 1 and stats.hits >= stats.semantic_hits
                # A clear through one replica empties the other's index too.
                await cache_pb2_grpc.CacheServiceStub(first).Clear(
                    cache_pb2.ClearRequest(), timeout=10
                )

                async def emptied() -> bool:
                    stats = await stub.Stats(cache_pb2.StatsRequest(), timeout=10)
                    return stats.semantic_memory_entries == 0

                assert await poll_until_async(emptied, within=5)
                return found

        found = asyncio.run(exchange())
        assert found.hit and found.match == "semantic" and found.response == b'{"x":1}'
    finally:
        cache_stack.stop_service("cache-2")


def test_a_cache_outage_is_a_miss_not_an_error(cache_stack: Stack) -> None:
    cache_stack.stop_service("cache")
    try:
        for i in range(3):
            response = _ask(cache_stack, f"cache is down {i}")
            assert response.headers["x-omniroute-cache"] == "MISS"
            assert (
                response.json()["choices"][0]["message"]["content"]
                == f"Echo: cache is down {i}"
            )
    finally:
        cache_stack.start_service("cache")


def test_progress_frames_count_real_tokens(
    cache_stack: Stack, simulator: Simulator
) -> None:
    simulator.fault(model="gpt-4o-mini", chunk_delay_ms=150)
    words = " ".join(f"word{i}" for i in range(30))
    body = {
        "model": "demo/gpt-4o-mini",
        "stream": True,
        "messages": [{"role": "user", "content": words}],
    }
    frames: list[dict[str, Any]] = []
    text = ""
    with httpx.stream(
        "POST",
        cache_stack.edge_url + "/v1/chat/completions",
        json=body,
        headers={
            "Authorization": f"Bearer {cache_stack.api_key}",
            "X-OmniRoute-Progress": "true",
        },
        timeout=60,
    ) as response:
        assert response.headers["x-omniroute-progress"] == "enabled"
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                data = line[len("data: ") :]
                if event == "progress":
                    frames.append(orjson.loads(data))
                elif data != "[DONE]":
                    for choice in orjson.loads(data)["choices"]:
                        text += choice["delta"].get("content") or ""
                event = None
    assert text == "Echo: " + words
    assert len(frames) >= 2  # ~4.6 s of stream, a frame every 2 s, plus the last
    tokens = [f["tokens_generated"] for f in frames]
    assert tokens == sorted(tokens) and tokens[0] > 0
    assert frames[-1]["done"] is True
    assert frames[-1]["elapsed_ms"] > frames[0]["elapsed_ms"]
    from services.edge.token_count import encoding

    assert frames[-1]["tokens_generated"] == len(encoding().encode("Echo: " + words))
