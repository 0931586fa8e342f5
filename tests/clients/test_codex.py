"""Codex CLI (``codex exec``) against the gateway's Responses endpoint, through
a model provider of its own config.toml (``wire_api = "responses"``): its
default model, an explicit one, and round trips through its shell tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.clients.harness import Gateway, client_env, run_process
from tests.clients.install import Clients

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

# What Codex 0.171.0 asks for when nothing is configured.
DEFAULT_MODEL = "gpt-6.2-sol"
CONFIG = """\
model_provider = "omniroute"

[model_providers.omniroute]
name = "OmniRoute"
base_url = "{url}/v1"
env_key = "OMNIROUTE_API_KEY"
wire_api = "responses"
"""


def codex(clients: Clients, gateway: Gateway, home: Path, *args: str) -> list[Any]:
    """``codex exec --json ...``: its events (one JSON object a line)."""
    codex_home = home / ".codex"
    codex_home.mkdir(exist_ok=True)
    (codex_home / "config.toml").write_text(CONFIG.format(url=gateway.url))
    work = home / "work"
    work.mkdir(exist_ok=True)
    env = client_env(home, CODEX_HOME=str(codex_home), OMNIROUTE_API_KEY=gateway.key)
    finished = run_process(
        [
            str(clients.node_bin / "codex"),
            "exec",
            "--skip-git-repo-check",
            "--json",
            *args,
        ],
        env,
        work,
    )
    events = finished.json_lines()
    failed = [e for e in events if e.get("type") in ("turn.failed", "error")]
    assert finished.returncode == 0 and not failed, (
        f"Codex reported: {[e.get('message') or e.get('error') for e in failed]}\n"
        f"{finished.describe()}"
    )
    assert events and events[-1]["type"] == "turn.completed", finished.describe()
    return events


def _items(events: list[Any], kind: str) -> list[Any]:
    return [
        e["item"]
        for e in events
        if e["type"] == "item.completed" and e["item"]["type"] == kind
    ]


def test_default_model_answers(clients: Clients, gateway: Gateway, home: Path) -> None:
    events = codex(clients, gateway, home, "hello from codex")
    assert [m["text"] for m in _items(events, "agent_message")] == [
        "Echo: hello from codex"
    ]
    usage = events[-1]["usage"]
    assert usage["output_tokens"] == 4 and usage["input_tokens"] > 0


def test_explicit_model_of_another_format(
    clients: Clients, gateway: Gateway, home: Path
) -> None:
    # Responses in, an OpenAI Chat Completions provider behind.
    events = codex(clients, gateway, home, "-m", "demo/gpt-4o-mini", "hello chat")
    assert [m["text"] for m in _items(events, "agent_message")] == ["Echo: hello chat"]


@pytest.mark.parametrize(
    "model",
    [
        # Same format upstream: the request goes to a Responses provider as is.
        "gpt-5-codex",
        # Translated to Chat Completions and back.
        "demo/gpt-4o-mini",
    ],
)
def test_shell_tool_round_trip(
    clients: Clients, gateway: Gateway, home: Path, model: str
) -> None:
    # Codex's shell tool for these models is `exec_command` with {"cmd": ...};
    # the arithmetic shows the command really ran in a shell.
    command = "echo codex-$((6*7))"
    prompt = f'call exec_command {{"cmd": "{command}"}}'
    events = codex(clients, gateway, home, "-m", model, prompt)
    (execution,) = _items(events, "command_execution")
    assert command in execution["command"]
    assert execution["exit_code"] == 0
    assert execution["aggregated_output"] == "codex-42\n"
    (message,) = _items(events, "agent_message")
    # Codex hands the model the command's output with a header of its own.
    assert message["text"].startswith("Tool said: ")
    assert message["text"].endswith("Output:\ncodex-42")
