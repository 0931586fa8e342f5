"""Claude Code (the real CLI, unmodified) in print mode against the gateway:
its default model, an explicit ``--model``, its streamed pieces, and a round
trip through its own Bash tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.clients.harness import Finished, Gateway, client_env, run_process
from tests.clients.install import Clients

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

# What Claude Code 2.1.332 asks for when nothing is configured: its main
# model, and what its `haiku` alias (the small, fast model) resolves to.
DEFAULT_MODEL = "claude-opus-5-5"
SMALL_FAST_MODEL = "claude-haiku-5-5"


def claude(
    clients: Clients, gateway: Gateway, home: Path, *args: str
) -> list[dict[str, Any]]:
    """``claude -p ... --output-format stream-json --verbose``: its events."""
    work = home / "work"
    work.mkdir(exist_ok=True)
    env = client_env(
        home,
        ANTHROPIC_BASE_URL=gateway.url,
        ANTHROPIC_API_KEY=gateway.key,
        CLAUDE_CONFIG_DIR=str(home / ".claude"),
        DISABLE_TELEMETRY="1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
        DISABLE_AUTOUPDATER="1",
    )
    finished = run_process(
        [
            str(clients.node_bin / "claude"),
            "-p",
            *args,
            "--output-format",
            "stream-json",
            "--verbose",
        ],
        env,
        work,
    )
    events = finished.json_lines()
    result = _only(events, "result", finished)
    assert finished.returncode == 0 and not result.get("is_error"), (
        f"Claude Code reported an error: {result.get('result')!r} "
        f"(api_error_status {result.get('api_error_status')})\n{finished.describe()}"
    )
    return events


def _only(events: list[dict[str, Any]], kind: str, run: Finished) -> dict[str, Any]:
    found = [event for event in events if event.get("type") == kind]
    assert len(found) == 1, f"expected one {kind!r} event\n{run.describe()}"
    return found[0]


def _of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [event for event in events if event.get("type") == kind]


def _echo_of(answer: str, prompt: str) -> None:
    # Claude Code puts a <system-reminder> text block before the prompt in
    # the same user message; the simulator echoes the whole message.
    assert answer.startswith("Echo: "), answer
    assert answer.endswith(f" {prompt}"), answer


def test_default_model_answers(clients: Clients, gateway: Gateway, home: Path) -> None:
    events = claude(clients, gateway, home, "hello from claude code")
    init = [e for e in _of(events, "system") if e.get("subtype") == "init"]
    assert init and init[0]["model"] == DEFAULT_MODEL
    (assistant,) = _of(events, "assistant")
    assert assistant["message"]["model"] == DEFAULT_MODEL
    (block,) = assistant["message"]["content"]
    _echo_of(block["text"], "hello from claude code")
    result = _of(events, "result")[0]
    assert result["result"] == block["text"]
    assert list(result["modelUsage"]) == [DEFAULT_MODEL]


def test_small_fast_model_answers(
    clients: Clients, gateway: Gateway, home: Path
) -> None:
    events = claude(clients, gateway, home, "--model", "haiku", "quick one")
    result = _of(events, "result")[0]
    _echo_of(result["result"], "quick one")
    assert list(result["modelUsage"]) == [SMALL_FAST_MODEL]


def test_explicit_model_of_another_format(
    clients: Clients, gateway: Gateway, home: Path
) -> None:
    # Anthropic Messages in, an OpenAI-compatible provider behind.
    events = claude(
        clients, gateway, home, "--model", "demo/gpt-4o-mini", "hello other format"
    )
    (assistant,) = _of(events, "assistant")
    assert assistant["message"]["model"] == "demo/gpt-4o-mini"
    result = _of(events, "result")[0]
    _echo_of(result["result"], "hello other format")
    assert result["stop_reason"] == "end_turn"


def test_streamed_pieces(clients: Clients, gateway: Gateway, home: Path) -> None:
    events = claude(
        clients, gateway, home, "--include-partial-messages", "stream these words"
    )
    deltas = [
        e["event"]["delta"]["text"]
        for e in _of(events, "stream_event")
        if e["event"].get("type") == "content_block_delta"
        and e["event"]["delta"].get("type") == "text_delta"
    ]
    kinds = [e["event"]["type"] for e in _of(events, "stream_event")]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert deltas[0] == "Echo:"
    assert deltas[-2:] == [" these", " words"]
    result = _of(events, "result")[0]
    assert "".join(deltas) == result["result"]


def test_bash_tool_round_trip(clients: Clients, gateway: Gateway, home: Path) -> None:
    # The arithmetic shows the command really ran in a shell.
    command = "echo conformance-$((6*7))"
    events = claude(clients, gateway, home, f'call Bash {{"command": "{command}"}}')
    assistants = _of(events, "assistant")
    uses = [
        block
        for event in assistants
        for block in event["message"]["content"]
        if block["type"] == "tool_use"
    ]
    assert [(u["name"], u["input"]) for u in uses] == [("Bash", {"command": command})]
    results = [
        block
        for event in _of(events, "user")
        for block in event["message"]["content"]
        if isinstance(block, dict) and block.get("type") == "tool_result"
    ]
    assert [(r["tool_use_id"], r["content"]) for r in results] == [
        (uses[0]["id"], "conformance-42")
    ]
    assert not results[0]["is_error"]
    assert _of(events, "result")[0]["result"] == "Tool said: conformance-42"
