"""What a new user meets first: the demo of every format, Claude Code's
message shape, base URLs in each SDK's own form, a key in the base URL for
header-less tools, and logs that say what happened to each request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import Simulator, admin_client, poll_until

pytestmark = pytest.mark.e2e

# What Claude Code 2.1 sends: its agent list as a system entry in messages[].
CLAUDE_CODE_MESSAGES = [
    {"role": "user", "content": "hello there"},
    {"role": "system", "content": "Available agents: general-purpose."},
]


@pytest.fixture(scope="module")
def text_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack as ``make run`` starts it: text logs, the demo providers."""
    running = start_stack(tmp_path_factory.mktemp("first"), log_format="text")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def text_sim(text_stack: Stack) -> Iterator[Simulator]:
    simulator = Simulator(text_stack.simulator_url)
    simulator.clear()
    yield simulator
    simulator.http.close()


def _anthropic(stack: Stack) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=stack.edge_url, api_key=stack.api_key)


def _last_call(sim: Simulator, path: str) -> dict[str, Any]:
    calls = [c for c in sim.calls()["recent"] if c["path"] == path]
    assert calls, f"the simulator saw no call to {path}"
    return calls[-1]


def test_claude_code_messages_pass_through_to_an_anthropic_provider(
    text_stack: Stack, text_sim: Simulator
) -> None:
    answer = _anthropic(text_stack).messages.create(
        model="claude-opus-5-5",  # Claude Code's default, served by the demo
        max_tokens=64,
        system=[{"type": "text", "text": "You are Claude Code."}],
        messages=CLAUDE_CODE_MESSAGES,  # type: ignore[arg-type]
    )
    assert answer.content[0].text == "Echo: hello there"  # type: ignore[union-attr]
    upstream = _last_call(text_sim, "/v1/messages")
    # Same-format pass-through: the provider got the client's own messages.
    assert upstream["body"]["messages"] == CLAUDE_CODE_MESSAGES
    assert upstream["model"] == "claude-opus-5-5"


def test_claude_code_messages_fold_into_the_system_prompt_when_translated(
    text_stack: Stack, text_sim: Simulator
) -> None:
    with _anthropic(text_stack).messages.stream(
        model="demo/gpt-4o-mini",
        max_tokens=64,
        system="You are Claude Code.",
        messages=CLAUDE_CODE_MESSAGES,  # type: ignore[arg-type]
    ) as stream:
        text = "".join(stream.text_stream)
    assert text == "Echo: hello there"
    upstream = _last_call(text_sim, "/v1/chat/completions")["body"]["messages"]
    assert upstream[0]["role"] == "system"
    system = upstream[0]["content"]
    texts = [p["text"] for p in system] if isinstance(system, list) else [system]
    assert texts == ["You are Claude Code.", "Available agents: general-purpose."]
    assert [m["role"] for m in upstream] == ["system", "user"]


def test_an_unknown_model_is_a_404_even_with_other_problems(text_stack: Stack) -> None:
    with httpx.Client(base_url=text_stack.edge_url) as http:
        response = http.post(
            "/v1/messages",
            headers={"x-api-key": text_stack.api_key},
            # No max_tokens and a stray role: the model is still the news.
            json={
                "model": "no-such-model",
                "messages": [{"role": "tool", "content": "x"}],
            },
        )
    assert response.status_code == 404
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "not_found_error"
    assert "no-such-model" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("claude-opus-5-5", "demo-anthropic"),
        ("claude-haiku-5-5", "demo-anthropic"),
        ("gpt-6.2-sol", "demo-responses"),
        ("gemini-2.5-flash", "demo-gemini"),
        ("llama3.2", "demo-ollama"),
        ("gpt-4o-mini", "demo"),
    ],
)
def test_the_demo_serves_every_provider_format(
    text_stack: Stack, model: str, provider: str
) -> None:
    client = openai.OpenAI(
        base_url=text_stack.edge_url + "/v1", api_key=text_stack.api_key
    )
    raw = client.chat.completions.with_raw_response.create(
        model=model, messages=[{"role": "user", "content": "ping"}]
    )
    assert raw.parse().choices[0].message.content == "Echo: ping"
    assert raw.headers["x-omniroute-provider"] == provider


def test_a_key_in_the_base_url_authenticates_header_less_clients(
    text_stack: Stack,
) -> None:
    base = f"{text_stack.edge_url}/key/{text_stack.api_key}"
    with httpx.Client(base_url=base, timeout=30) as http:
        tags = http.get("/api/tags")
        chat = http.post(
            "/api/chat",
            json={
                "model": "llama3.2",
                "messages": [{"role": "user", "content": "hi"}],
                "stream": False,
            },
        )
        models = http.get("/v1/models")
    assert tags.status_code == 200 and tags.json()["models"]
    assert chat.status_code == 200, chat.text
    assert chat.json()["message"]["content"] == "Echo: hi"
    assert models.status_code == 200 and models.json()["data"]
    with httpx.Client(base_url=text_stack.edge_url) as http:
        wrong = http.get("/key/sk-not-a-key/api/tags")
        empty = http.get("/key//api/tags")
    assert wrong.status_code == 401
    assert empty.status_code == 401  # no key at all: the gate refuses it
    edge_log = text_stack.log("edge")
    assert text_stack.api_key not in edge_log and "sk-not-a-key" not in edge_log


def _access_lines(stack: Stack, request_id: str) -> list[str]:
    return [
        line
        for line in stack.log("edge").splitlines()
        if "omniroute.edge.access" in line and request_id in line
    ]


def test_each_request_has_one_access_line_with_what_was_decided(
    text_stack: Stack,
) -> None:
    client = openai.OpenAI(
        base_url=text_stack.edge_url + "/v1", api_key=text_stack.api_key
    )
    raw = client.chat.completions.with_raw_response.create(
        model="claude-haiku-5-5",
        messages=[{"role": "user", "content": "a secret prompt"}],
    )
    request_id = raw.headers["x-request-id"]
    lines = poll_until(lambda: _access_lines(text_stack, request_id))
    assert len(lines) == 1
    line = lines[0]
    for field in (
        "POST /v1/chat/completions 200",
        "model=claude-haiku-5-5",
        "provider=demo-anthropic",
        "served_model=claude-haiku-5-5",
        "attempts=1",
        "latency_ms=",
    ):
        assert field in line, line
    log = text_stack.log("edge")
    assert "a secret prompt" not in log and text_stack.api_key not in log


def test_a_failed_attempt_says_why_in_the_text_log(
    text_stack: Stack, text_sim: Simulator
) -> None:
    text_sim.fault(
        model="gemini-2.5-pro", status=503, message="model overloaded, try later"
    )
    with (
        openai.OpenAI(
            base_url=text_stack.edge_url + "/v1",
            api_key=text_stack.api_key,
            max_retries=0,
        ) as client,
        pytest.raises(openai.APIStatusError) as failed,
    ):
        client.chat.completions.create(
            model="gemini-2.5-pro", messages=[{"role": "user", "content": "hi"}]
        )
    request_id = failed.value.response.headers["x-request-id"]
    text_sim.clear()

    def failure_line() -> str:
        for line in text_stack.log("executor-1").splitlines():
            if "target failed" in line and request_id in line:
                return line
        return ""

    line = poll_until(failure_line)
    assert "provider=demo-gemini" in line and "status=503" in line, line
    assert "overloaded" in line, line
    access = poll_until(lambda: _access_lines(text_stack, request_id))
    assert f" {failed.value.status_code} " in access[0] + " "


def test_json_logs_carry_the_same_access_fields(stack: Stack) -> None:
    with httpx.Client(base_url=stack.edge_url, timeout=30) as http:
        response = http.post(
            "/v1/chat/completions",
            headers={"Authorization": f"Bearer {stack.api_key}"},
            json={
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": "x"}],
            },
        )
    request_id = response.headers["x-request-id"]

    def entry() -> dict[str, Any] | None:
        for line in stack.log("edge").splitlines():
            if line.startswith("{") and request_id in line:
                parsed = json.loads(line)
                if parsed.get("logger") == "omniroute.edge.access":
                    return dict(parsed)
        return None

    found = poll_until(entry)
    assert found["status"] == 200 and found["path"] == "/v1/chat/completions"
    assert found["provider"] == "demo" and found["attempts"] == 1
    assert found["model"] == "gpt-4o-mini"


def test_anthropic_base_url_without_v1_reaches_the_provider(
    stack: Stack, sim: Simulator
) -> None:
    """``ANTHROPIC_BASE_URL=http://host`` is how Claude Code and the SDK write
    it; registered through the management API the same way, it answers."""
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        created = admin.post(
            "/api/providers",
            json={
                "id": "claude-direct",
                "kind": "anthropic",
                "base_url": stack.simulator_url,  # no /v1
                "api_key": "sk-ant-test",
                "models": ["claude-direct-model"],
            },
        )
    assert created.status_code == 201, created.text
    assert created.json()["base_url"] == stack.simulator_url + "/v1"
    client = _anthropic(stack)
    answer = poll_until(
        lambda: _try_message(client, "claude-direct/claude-direct-model"), 10
    )
    assert answer == "Echo: hi"
    assert _last_call(sim, "/v1/messages")["model"] == "claude-direct-model"


def _try_message(client: anthropic.Anthropic, model: str) -> str:
    try:
        answer = client.messages.create(
            model=model, max_tokens=16, messages=[{"role": "user", "content": "hi"}]
        )
    except anthropic.NotFoundError:
        return ""  # the new provider is not in the edge's table yet
    return str(answer.content[0].text)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/v1/chat/completions", lambda b: b["error"]["code"]),
        ("/v1/messages", lambda b: b["type"] == "error" and b["error"]["type"]),
        ("/api/chat", lambda b: isinstance(b["error"], str)),
        (
            "/v1beta/models/gemini-2.5-flash:generateContent",
            lambda b: b["error"]["status"],
        ),
    ],
)
def test_a_wrong_method_is_a_405_in_the_clients_shape(
    text_stack: Stack, path: str, shape: Any
) -> None:
    with httpx.Client(base_url=text_stack.edge_url) as http:
        response = http.put(path, headers={"x-api-key": text_stack.api_key})
    assert response.status_code == 405
    assert shape(response.json()), response.text


@pytest.mark.parametrize("path", ["/api/pull", "/v1/api/delete", "/api/blobs/sha256:0"])
def test_ollama_model_management_is_refused_in_ollamas_shape(
    text_stack: Stack, path: str
) -> None:
    with httpx.Client(base_url=text_stack.edge_url) as http:
        response = http.post(
            path,
            headers={"Authorization": f"Bearer {text_stack.api_key}"},
            json={"model": "llama3.2"},
        )
    assert response.status_code == 501
    assert "not available through the OmniRoute gateway" in response.json()["error"]
