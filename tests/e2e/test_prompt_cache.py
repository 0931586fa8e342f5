"""Issue 15 acceptance: provider prompt caching survives the gateway.

A pool of three Anthropic accounts (the simulator models Anthropic's prompt
cache per account: breakpoints, the 1,024-token minimum, lifetimes, reads and
writes in usage) behind the real stack, with round-robin accounts so that
nothing but cache-aware routing keeps a conversation on one account. Ten-turn
conversations from OpenAI-format and Responses clients read the cache on
every turn after the first with automatic breakpoints on, never with them
off, and cost what the price book says they should.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import openai
import orjson
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import Simulator, admin_client, poll_until, usage_row

pytestmark = pytest.mark.e2e

PROVIDER = "pool"
MODEL = "sim-claude"
KEYS = ("sk-pool-1", "sk-pool-2", "sk-pool-3")
# USD per million tokens: Anthropic's ratios (reads 0.1x, 5-minute writes
# 1.25x, one-hour writes 2x the input price).
PRICE = {
    "provider": PROVIDER,
    "model": MODEL,
    "input": 3.0,
    "output": 15.0,
    "cached_input": 0.3,
    "cache_write": 3.75,
    "cache_write_1h": 6.0,
}
TURNS = 10


def _system(topic: str) -> str:
    """A system prompt well past the 1,024-token minimum (one word, one token)."""
    return " ".join(f"{topic}-rule-{i}" for i in range(1500))


@dataclass
class Turn:
    request_id: str
    headers: httpx.Headers
    prompt: int
    read: int
    written: int
    completion: int

    @property
    def decision(self) -> dict[str, str]:
        parts = (
            p.split("=", 1) for p in self.headers["x-omniroute-decision"].split("; ")
        )
        return {name: value for name, value in parts}

    def priced(self) -> float:
        """This turn's cost by the price book (writes here are 5-minute)."""
        fresh = self.prompt - self.read
        return (
            fresh * PRICE["input"]
            + self.read * PRICE["cached_input"]
            + self.written * PRICE["cache_write"]
            + self.completion * PRICE["output"]
        ) / 1_000_000


def _configure(stack: Stack, **routing: Any) -> None:
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        current = admin.get("/api/routing").json()
        before = _version(stack)
        response = admin.put("/api/routing", json={**current, **routing})
        assert response.status_code == 200, response.text
    poll_until(lambda: _version(stack) > before, timeout=5)


def _version(stack: Stack) -> int:
    return int(httpx.get(stack.edge_url + "/healthz").json()["config_version"] or 0)


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("prompt-cache"))
    try:
        with admin_client(stack.edge_url, stack.admin_key) as admin:
            created = admin.post(
                "/api/providers",
                json={
                    "id": PROVIDER,
                    "kind": "anthropic",
                    "base_url": stack.simulator_url + "/v1",
                    "api_key": KEYS[0],
                    "models": [MODEL],
                },
            )
            assert created.status_code == 201, created.text
            for priority, key in enumerate(KEYS[1:], start=2):
                added = admin.post(
                    f"/api/providers/{PROVIDER}/accounts",
                    json={"id": f"{PROVIDER}-{priority}", "api_key": key},
                )
                assert added.status_code == 201, added.text
            priced = admin.patch("/api/pricing", json={"prices": [PRICE]})
            assert priced.status_code == 200, priced.text
        _configure(stack, account_strategy="round-robin", prompt_cache="auto")
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def sim(pool: Stack) -> Iterator[Simulator]:
    simulator = Simulator(pool.simulator_url)
    simulator.clear()
    simulator.http.delete("/_sim/prompt-cache").raise_for_status()
    yield simulator
    simulator.clear()
    simulator.http.close()


def _openai(stack: Stack) -> openai.OpenAI:
    return openai.OpenAI(base_url=stack.edge_url + "/v1", api_key=stack.api_key)


def chat_turn(stack: Stack, system: str, history: list[dict[str, Any]]) -> Turn:
    """One turn from an OpenAI-format client; the answer joins ``history``."""
    with _openai(stack) as client:
        raw = client.chat.completions.with_raw_response.create(
            model=f"{PROVIDER}/{MODEL}",
            messages=[{"role": "system", "content": system}, *history],
        )
    completion = raw.parse()
    history.append(
        {"role": "assistant", "content": completion.choices[0].message.content}
    )
    usage = completion.usage
    assert usage is not None and usage.prompt_tokens_details is not None
    details = usage.prompt_tokens_details.model_dump()
    return Turn(
        raw.headers["x-request-id"],
        raw.headers,
        usage.prompt_tokens,
        details.get("cached_tokens") or 0,
        details.get("cache_creation_tokens") or 0,
        usage.completion_tokens,
    )


def responses_turn(stack: Stack, system: str, history: list[dict[str, Any]]) -> Turn:
    """One turn from a Responses client (the whole input every turn)."""
    with _openai(stack) as client:
        raw = client.responses.with_raw_response.create(
            model=f"{PROVIDER}/{MODEL}", instructions=system, input=history
        )
    response = raw.parse()
    history.append({"role": "assistant", "content": response.output_text})
    usage = response.usage
    assert usage is not None
    # Responses has no field for cache writes: the usage row has them.
    written = _row(stack, raw.headers["x-request-id"])["tokens"]["cacheCreation"]
    return Turn(
        raw.headers["x-request-id"],
        raw.headers,
        usage.input_tokens,
        usage.input_tokens_details.cached_tokens,
        written,
        usage.output_tokens,
    )


def _row(stack: Stack, request_id: str) -> dict[str, Any]:
    return usage_row(stack.edge_url, stack.admin_key, request_id)


def converse(
    stack: Stack,
    turn: Callable[[Stack, str, list[dict[str, Any]]], Turn],
    topic: str,
    between: Callable[[int], None] = lambda _: None,
) -> list[Turn]:
    system = _system(topic)
    history: list[dict[str, Any]] = []
    turns = []
    for number in range(1, TURNS + 1):
        between(number)
        history.append({"role": "user", "content": f"{topic} question {number}"})
        turns.append(turn(stack, system, history))
    return turns


@pytest.mark.parametrize("turn", [chat_turn, responses_turn], ids=["chat", "responses"])
def test_every_turn_after_the_first_reads_the_cache(
    pool: Stack, sim: Simulator, turn: Callable[..., Turn]
) -> None:
    turns = converse(pool, turn, f"warm-{turn.__name__}")
    assert turns[0].read == 0 and turns[0].written > 1500
    assert all(t.read > 1500 for t in turns[1:]), [t.read for t in turns]
    # One account holds the conversation although accounts go round-robin.
    assert len({t.decision["account"] for t in turns}) == 1
    assert [t.decision["reason"] for t in turns[1:]] == ["prefix"] * (TURNS - 1)
    assert {t.decision["strategy"] for t in turns} == {"direct"}


def test_a_session_pin_and_the_prefix_pin_compose(pool: Stack, sim: Simulator) -> None:
    """A new session starts on the prefix's account and is then held by its
    own pin (checked first); a turn without the header still follows the
    prefix to the same account."""
    system = _system("session")
    history: list[dict[str, Any]] = [{"role": "user", "content": "one"}]

    def ask(session: str | None) -> Turn:
        headers = {"X-Session-Id": session} if session else {}
        with openai.OpenAI(
            base_url=pool.edge_url + "/v1",
            api_key=pool.api_key,
            default_headers=headers,
        ) as client:
            raw = client.chat.completions.with_raw_response.create(
                model=f"{PROVIDER}/{MODEL}",
                messages=[{"role": "system", "content": system}, *history],
            )
        answer = raw.parse()
        history.extend(
            [
                {"role": "assistant", "content": answer.choices[0].message.content},
                {"role": "user", "content": f"turn {len(history)}"},
            ]
        )
        assert answer.usage is not None and answer.usage.prompt_tokens_details
        read = answer.usage.prompt_tokens_details.cached_tokens or 0
        return Turn(raw.headers["x-request-id"], raw.headers, 0, read, 0, 0)

    first = ask(None)
    pinned = [ask("agent-session") for _ in range(3)]
    assert [t.decision["reason"] for t in pinned] == ["prefix", "session", "session"]
    assert {t.decision["account"] for t in pinned} == {first.decision["account"]}
    after = ask(None)
    assert after.decision["reason"] == "prefix"
    assert after.decision["account"] == first.decision["account"]
    assert all(t.read > 1500 for t in [*pinned, after])


def test_without_automatic_breakpoints_nothing_is_read(
    pool: Stack, sim: Simulator
) -> None:
    warm = converse(pool, chat_turn, "priced")
    _configure(pool, prompt_cache="off")
    try:
        sim.http.delete("/_sim/prompt-cache").raise_for_status()
        cold = converse(pool, chat_turn, "priced")
    finally:
        _configure(pool, prompt_cache="auto")
    assert all(t.read == 0 and t.written == 0 for t in cold)
    # Both conversations sent the same tokens (prompt tokens leave cache
    # writes out); the header says what each turn cost, by the price book.
    assert [t.prompt + t.written for t in warm] == [t.prompt for t in cold]
    for t in warm + cold:
        cost = float(t.headers["x-omniroute-response-cost"])
        assert cost == pytest.approx(t.priced(), rel=1e-6, abs=1e-9)
    predicted = (
        sum(
            t.read * (PRICE["input"] - PRICE["cached_input"])
            - t.written * (PRICE["cache_write"] - PRICE["input"])
            for t in warm
        )
        / 1_000_000
    )
    spent = [
        sum(float(t.headers["x-omniroute-response-cost"]) for t in c)
        for c in (warm, cold)
    ]
    assert predicted > 0
    assert spent[1] - spent[0] == pytest.approx(predicted, rel=1e-6)
    saved = sum(float(t.headers["x-omniroute-cache-saved"]) for t in warm)
    assert saved == pytest.approx(
        sum(t.read for t in warm) * (PRICE["input"] - PRICE["cached_input"]) / 1e6
    )


def test_the_cost_header_is_the_usage_rows_cost(pool: Stack, sim: Simulator) -> None:
    turns = converse(pool, chat_turn, "rows")[:3]
    for t in turns:
        row = _row(pool, t.request_id)
        assert row["costUsd"] == pytest.approx(
            float(t.headers["x-omniroute-response-cost"]), abs=1e-10
        )
        assert row["tokens"]["cacheRead"] == t.read
        assert row["tokens"]["cacheCreation"] == t.written
        assert row["cacheSavedUsd"] == pytest.approx(
            float(t.headers["x-omniroute-cache-saved"]), abs=1e-10
        )


def test_an_account_that_leaves_moves_the_prefix_once(
    pool: Stack, sim: Simulator
) -> None:
    def cool_the_holder(number: int) -> None:
        if number == 5:
            # The account holding the conversation (the key of the last
            # call) is rate limited for longer than the conversation takes.
            holder = sim.calls()["recent"][-1]["key"]
            sim.fault(key=holder, status=429, retry_after=120)

    turns = converse(pool, chat_turn, "moving", between=cool_the_holder)
    accounts = [t.decision["account"] for t in turns]
    assert len(set(accounts[:4])) == 1 and accounts[4] != accounts[0]
    assert len(set(accounts[4:])) == 1, accounts
    rewrites = [i for i, t in enumerate(turns) if i and t.read == 0]
    assert rewrites == [4], [(t.read, t.written) for t in turns]
    assert all(t.read > 1500 for t in turns[5:])


def _messages_body(stream: bool) -> dict[str, Any]:
    return {
        "model": f"{PROVIDER}/{MODEL}",
        "max_tokens": 64,
        "stream": stream,
        "messages": [{"role": "user", "content": "headers please"}],
    }


# Every client format's chat route, with its body and its auth header.
FORMATS: dict[str, tuple[str, Callable[[bool], dict[str, Any]], str]] = {
    "openai": (
        "/v1/chat/completions",
        lambda stream: {
            "model": f"{PROVIDER}/{MODEL}",
            "stream": stream,
            **({"stream_options": {"include_usage": True}} if stream else {}),
            "messages": [{"role": "user", "content": "headers please"}],
        },
        "authorization",
    ),
    "responses": (
        "/v1/responses",
        lambda stream: {
            "model": f"{PROVIDER}/{MODEL}",
            "stream": stream,
            "input": "headers please",
        },
        "authorization",
    ),
    "anthropic": ("/v1/messages", _messages_body, "x-api-key"),
    "ollama": (
        "/api/chat",
        lambda stream: {
            "model": f"{PROVIDER}/{MODEL}",
            "stream": stream,
            "messages": [{"role": "user", "content": "headers please"}],
        },
        "authorization",
    ),
}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("client_format", sorted(FORMATS))
def test_every_format_explains_its_answer(
    pool: Stack, sim: Simulator, client_format: str, stream: bool
) -> None:
    path, body, auth = FORMATS[client_format]
    value = pool.api_key if auth == "x-api-key" else f"Bearer {pool.api_key}"
    with httpx.Client(base_url=pool.edge_url, timeout=30) as http:
        response = http.post(path, json=body(stream), headers={auth: value})
        assert response.status_code == 200, response.text
    decision = response.headers["x-omniroute-decision"]
    assert decision.startswith(f"strategy=direct; provider={PROVIDER}; account=")
    assert "reason=" in decision and decision.endswith("attempts=1")
    row = _row(pool, response.headers["x-request-id"])
    if stream:
        # A stream's headers leave before its usage is known; its last usage
        # event says what it cost, where the format has one.
        assert "x-omniroute-response-cost" not in response.headers
        cost = _streamed_cost(response.text)
        if client_format in ("ollama", "anthropic"):
            # Ollama's last chunk has no usage object; Anthropic to Anthropic
            # is same-format pass-through: the provider's own frames.
            assert cost is None
        else:
            assert cost is not None and cost > 0
            assert row["costUsd"] == pytest.approx(cost, abs=1e-10)
        return
    cost = float(response.headers["x-omniroute-response-cost"])
    assert cost > 0 and row["costUsd"] == pytest.approx(cost, abs=1e-10)
    assert float(response.headers["x-omniroute-cache-saved"]) == 0.0


def _streamed_cost(text: str) -> float | None:
    """The ``usage.cost`` of the last usage event in an SSE stream."""
    cost = None
    for line in text.splitlines():
        if not line.startswith("data: {"):
            continue
        event = orjson.loads(line[len("data: ") :])
        for holder in (event, event.get("response") or {}):
            usage = holder.get("usage") if isinstance(holder, dict) else None
            if isinstance(usage, dict) and "cost" in usage:
                cost = float(usage["cost"])
    return cost


def test_gemini_answers_explain_themselves(pool: Stack, sim: Simulator) -> None:
    url = f"/v1beta/models/{PROVIDER}/{MODEL}:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "headers please"}]}]}
    with httpx.Client(base_url=pool.edge_url, timeout=30) as http:
        response = http.post(url, json=body, headers={"x-goog-api-key": pool.api_key})
    assert response.status_code == 200, response.text
    assert "provider=pool" in response.headers["x-omniroute-decision"]
    row = _row(pool, response.headers["x-request-id"])
    assert row["costUsd"] == pytest.approx(
        float(response.headers["x-omniroute-response-cost"]), abs=1e-10
    )


def test_cache_health_says_what_was_read_and_saved(pool: Stack, sim: Simulator) -> None:
    turns = converse(pool, chat_turn, "health")
    poll_until(lambda: _row(pool, turns[-1].request_id), timeout=10)
    with admin_client(pool.edge_url, pool.admin_key) as admin:
        by_account = admin.get(
            "/api/usage/cache-health", params={"group_by": "account"}
        ).json()
        wrong = admin.get("/api/usage/cache-health", params={"hours": 0})
    assert wrong.status_code == 400
    account = turns[0].decision["account"]
    (group,) = [g for g in by_account["groups"] if g["account"] == account]
    assert group["provider"] == PROVIDER
    assert group["cacheReadTokens"] >= sum(t.read for t in turns)
    assert group["cacheWriteTokens"] >= sum(t.written for t in turns)
    assert group["readWriteRatio"] > 2 and group["verdict"] == "healthy"
    assert group["savedUsd"] > 0
    assert by_account["totals"]["cacheReadTokens"] >= group["cacheReadTokens"]
    metrics = httpx.get(pool.edge_url + "/metrics").text
    read = [
        line
        for line in metrics.splitlines()
        if line.startswith("omniroute_edge_tokens_total{")
        and 'direction="cache_read"' in line
        and f'provider="{PROVIDER}"' in line
    ]
    assert read and float(read[0].rsplit(" ", 1)[1]) >= sum(t.read for t in turns)


def test_a_cache_optimized_combo_keeps_the_warm_target(
    pool: Stack, sim: Simulator
) -> None:
    with admin_client(pool.edge_url, pool.admin_key) as admin:
        second = admin.post(
            "/api/providers",
            json={
                "id": "pool2",
                "kind": "anthropic",
                "base_url": pool.simulator_url + "/v1",
                "api_key": "sk-pool2-1",
                "models": [MODEL],
            },
        )
        assert second.status_code == 201, second.text
        before = _version(pool)
        combo = admin.post(
            "/api/combos",
            json={
                "name": "warm-combo",
                "strategy": "cache-optimized",
                "members": [
                    {"model": f"{PROVIDER}/{MODEL}"},
                    {"model": f"pool2/{MODEL}"},
                ],
            },
        )
        assert combo.status_code == 201, combo.text
    poll_until(lambda: _version(pool) > before, timeout=5)
    system = _system("combo")
    history: list[dict[str, Any]] = [{"role": "user", "content": "first"}]
    # The second member serves the first turn (the first one is down), so
    # its provider holds the prefix; when the first member is back, the
    # combo still sends the conversation where its cache is warm.
    sim.fault(key=KEYS[0], status=500, message="down")
    sim.fault(key=KEYS[1], status=500, message="down")
    sim.fault(key=KEYS[2], status=500, message="down")
    with _openai(pool) as client:
        first = client.chat.completions.with_raw_response.create(
            model="warm-combo",
            messages=[{"role": "system", "content": system}, *history],
        )
    assert "provider=pool2" in first.headers["x-omniroute-decision"]
    sim.clear()
    history += [
        {"role": "assistant", "content": first.parse().choices[0].message.content},
        {"role": "user", "content": "second"},
    ]
    with _openai(pool) as client:
        again = client.chat.completions.with_raw_response.create(
            model="warm-combo",
            messages=[{"role": "system", "content": system}, *history],
        )
    decision = again.headers["x-omniroute-decision"]
    assert decision.startswith("strategy=cache-optimized; provider=pool2"), decision
    usage = again.parse().usage
    assert usage is not None and usage.prompt_tokens_details is not None
    assert (usage.prompt_tokens_details.cached_tokens or 0) > 1500
