"""The client API, side by side with the original OmniRoute.

The original gets our simulator as an OpenAI-compatible provider node (its
own way of adding an endpoint), so both gateways end at the same upstream.
Each case is sent to both with that side's key and model name; both must
answer with the same status class and with every field a client reads.
Where the original is wrong, the case says so and checks that we are right:

* it adds 2,000 prompt tokens to every answer's usage (ours: the upstream's);
* a non-streaming request with ``Accept: */*`` (httpx's and curl's default)
  asks upstream for a stream without ``stream: true`` and answers 502.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from omniroute.stack import Stack
from tests.compat.original import Original, new_key, serve_simulator
from tests.compat.test_management import values_at
from tests.helpers import Simulator, poll_until

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Side:
    name: str
    url: str
    key: str
    model: str


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    reads: tuple[str, ...] = ()
    stream: bool = False
    status: int = 200
    # Where one side answers otherwise (on purpose, or the original's bug).
    ours_status: int | None = None
    original_status: int | None = None
    # False where the original's answer is its bug, not a shape to read.
    original_reads: bool = True


def _chat(**extra: Any) -> dict[str, Any]:
    return {
        "model": "{model}",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hi"},
        ],
        **extra,
    }


CASES = (
    Case(
        "chat, non-streaming",
        "/v1/chat/completions",
        _chat(stream=False),
        headers={"Accept": "application/json"},
        reads=(
            "id",
            "object",
            "choices.*.message.content",
            "choices.*.finish_reason",
            "usage.prompt_tokens",
            "usage.completion_tokens",
        ),
    ),
    Case(
        "chat, streaming",
        "/v1/chat/completions",
        _chat(stream=True),
        headers={"Accept": "text/event-stream"},
        stream=True,
    ),
    Case(
        "chat with Accept: */* (the original answers 502)",
        "/v1/chat/completions",
        _chat(),
        headers={"Accept": "*/*"},
        reads=("choices.*.message.content",),
        original_status=502,
        original_reads=False,
    ),
    Case(
        "an unknown provider: a 4xx with an error message",
        "/v1/chat/completions",
        _chat(model="nowhere/gpt-4o-mini"),
        headers={"Accept": "application/json"},
        reads=("error.message",),
        # Ours names the model (404 model_not_found, as OpenAI does); the
        # original says it has no credentials for that provider (400).
        ours_status=404,
        original_status=400,
    ),
    Case(
        "an invalid key: 401 with an error message",
        "/v1/chat/completions",
        _chat(),
        headers={"Authorization": "Bearer sk-not-a-key-of-anyone"},
        reads=("error.message",),
        status=401,
    ),
    Case(
        "embeddings",
        "/v1/embeddings",
        {"model": "{embedding_model}", "input": "hello"},
        reads=("data.*.embedding", "usage.prompt_tokens"),
    ),
)


def fill(value: Any, side: Side) -> Any:
    if isinstance(value, str):
        embedding = side.model.rsplit("/", 1)[0] + "/text-embedding-3-small"
        return value.replace("{model}", side.model).replace(
            "{embedding_model}", embedding
        )
    if isinstance(value, list):
        return [fill(v, side) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, side) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def sides(original: Original, stack: Stack) -> Iterator[tuple[Side, Side]]:
    serve_simulator(original, stack.simulator_url)
    key = new_key(original, "compat-client")
    yield (
        Side("original", original.url, key, "sim/gpt-4o-mini"),
        Side("ours", stack.edge_url, stack.api_key, "demo/gpt-4o-mini"),
    )


def _send(side: Side, case: Case) -> httpx.Response:
    headers = {"Authorization": f"Bearer {side.key}"} | case.headers
    return httpx.post(
        side.url + case.path,
        json=fill(case.body, side),
        headers=headers,
        timeout=60,
    )


def _events(response: httpx.Response) -> list[Any]:
    lines = [
        line.removeprefix("data:").strip()
        for line in response.text.splitlines()
        if line.startswith("data:")
    ]
    assert lines and lines[-1] == "[DONE]", response.text[:500]
    return [json.loads(line) for line in lines[:-1]]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_client_request_is_answered_as_the_original_answers_it(
    case: Case, sides: tuple[Side, Side], sim: Simulator
) -> None:
    theirs, ours = (_send(side, case) for side in sides)
    assert theirs.status_code == (case.original_status or case.status), (
        f"the reference answered {theirs.status_code}: {theirs.text[:300]}"
    )
    assert ours.status_code == (case.ours_status or case.status), ours.text[:500]
    if case.stream:
        for response in (theirs, ours):
            events = _events(response)
            text = "".join(
                choice["delta"].get("content") or ""
                for event in events
                for choice in event.get("choices", [])
            )
            assert text == "Echo: hi"
        return
    answers = [theirs.json()] if case.original_reads else []
    for path in case.reads:
        for answer in [*answers, ours.json()]:
            assert values_at(answer, path), f"no '{path}' in {str(answer)[:500]}"


def test_usage_is_the_upstream_usage_without_phantom_tokens(
    sides: tuple[Side, Side], sim: Simulator
) -> None:
    """The original adds 2,000 prompt tokens to what the provider counted;
    ours reports the provider's own numbers."""
    case = CASES[0]
    answers = {side.name: _send(side, case) for side in sides}
    assert all(a.status_code == 200 for a in answers.values())
    upstream = [c for c in sim.calls()["recent"] if c["path"] == "/v1/chat/completions"]
    assert len(upstream) == 2
    ours = answers["ours"].json()["usage"]
    theirs = answers["original"].json()["usage"]
    assert ours["prompt_tokens"] < 100
    assert theirs["prompt_tokens"] - ours["prompt_tokens"] == 2000
    assert ours["completion_tokens"] == theirs["completion_tokens"]


@pytest.mark.parametrize("path", ["/api/usage/call-logs", "/api/usage/call-logs/{id}"])
def test_request_log_rows_read_like_the_original_call_log(
    path: str, sides: tuple[Side, Side], original: Original, stack: Stack
) -> None:
    """A request's log row, with the fields the original's call log gives:
    who asked for what, who served it, the status, tokens and duration."""
    for side in sides:
        assert _send(side, CASES[0]).status_code == 200
    admin = httpx.Client(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.admin_key}"},
        timeout=30,
    )
    with admin:
        rows = {
            "original": poll_until(
                lambda: original.admin.get(path.split("/{")[0]).json()
            ),
            "ours": poll_until(lambda: admin.get(path.split("/{")[0]).json()),
        }
        clients = {"original": original.admin, "ours": admin}
        for name, listed in rows.items():
            row = listed[0]
            if "{id}" in path:
                row = clients[name].get(path.replace("{id}", row["id"])).json()
            for field_path in (
                "id",
                "timestamp",
                "path",
                "status",
                "model",
                "requestedModel",
                "provider",
                "account",
                "connectionId",
                "duration",
                "tokens.in",
                "tokens.out",
                "apiKeyId",
            ):
                assert values_at(row, field_path), f"{name}: no {field_path} in {row}"
            assert (row["status"], row["model"], row["tokens"]["out"]) == (
                200,
                "gpt-4o-mini",
                2,
            )


def test_a_system_entry_in_anthropic_messages_stays_a_system_prompt(
    sides: tuple[Side, Side], sim: Simulator
) -> None:
    """Claude Code puts ``role: system`` entries in ``messages``; translated
    for an OpenAI-format provider, the original sends them upstream as
    *assistant* turns (the model then thinks it said them). Ours sends the
    system prompt as a system message."""
    upstream_roles = {}
    for side in sides:
        sim.clear()
        answer = httpx.post(
            side.url + "/v1/messages",
            headers={
                "Authorization": f"Bearer {side.key}",
                "anthropic-version": "2023-06-01",
                "Accept": "application/json",
            },
            json={
                "model": side.model,
                "max_tokens": 50,
                "messages": [
                    {"role": "system", "content": "be brief"},
                    {"role": "user", "content": "hi"},
                ],
            },
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["content"][0]["text"] == "Echo: hi"
        (call,) = [
            c for c in sim.calls()["recent"] if c["path"].endswith("/completions")
        ]
        upstream_roles[side.name] = [m["role"] for m in call["body"]["messages"]]
    assert upstream_roles == {
        "original": ["assistant", "user"],
        "ours": ["system", "user"],
    }
