"""ollama-python and ollama-js against the gateway's Ollama endpoints (a
client of an Ollama server cannot tell it is not one)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clients.harness import Scripts

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

MODEL = "llama3.2"
CLIENTS = ["python", "js"]


def run(scripts: Scripts, client: str, scenario: str) -> Any:
    if client == "python":
        return scripts.python_script("ollama_client", scenario)
    return scripts.node("ollama_js", scenario)


@pytest.mark.parametrize("client", CLIENTS)
def test_chat(scripts: Scripts, client: str) -> None:
    answer = run(scripts, client, "chat")
    expected = "hello ollama" if client == "python" else "hello ollama-js"
    assert answer["text"] == f"Echo: {expected}"
    assert answer["done"] is True


@pytest.mark.parametrize("client", CLIENTS)
def test_chat_stream(scripts: Scripts, client: str) -> None:
    answer = run(scripts, client, "chat_stream")
    last = " ollama" if client == "python" else " ollama-js"
    assert answer["pieces"] == ["Echo:", " hello", last]


@pytest.mark.parametrize("client", CLIENTS)
def test_generate(scripts: Scripts, client: str) -> None:
    answer = run(scripts, client, "generate")
    assert answer["text"] == "Echo: hello generate"
    assert answer["done"] is True


def test_generate_stream(scripts: Scripts) -> None:
    answer = run(scripts, "python", "generate_stream")
    assert answer["pieces"] == ["Echo:", " hello", " generate"]


@pytest.mark.parametrize("client", CLIENTS)
def test_embed(scripts: Scripts, client: str) -> None:
    answer = run(scripts, client, "embed")
    assert len(answer["dimensions"]) == 2
    assert answer["dimensions"][0] == answer["dimensions"][1] > 0


@pytest.mark.parametrize("client", CLIENTS)
def test_show(scripts: Scripts, client: str) -> None:
    answer = run(scripts, client, "show")
    assert "completion" in answer["capabilities"]


@pytest.mark.parametrize("client", CLIENTS)
def test_list(scripts: Scripts, client: str) -> None:
    names = run(scripts, client, "list")["names"]
    assert any(name.split("/")[-1].split(":")[0] == MODEL for name in names), names


@pytest.mark.parametrize("client", CLIENTS)
def test_ps(scripts: Scripts, client: str) -> None:
    # A gateway keeps nothing loaded; what matters is that the client can
    # read the answer as a list of models.
    assert isinstance(run(scripts, client, "ps")["names"], list)


@pytest.mark.parametrize("client", CLIENTS)
def test_version(scripts: Scripts, client: str) -> None:
    answer = run(scripts, client, "version")
    body = answer["body"] if client == "python" else answer
    major, minor, *_ = body["version"].split(".")
    assert major.isdigit() and minor.isdigit()


@pytest.mark.parametrize("client", CLIENTS)
def test_tool_round_trip(scripts: Scripts, client: str) -> None:
    answer = run(scripts, client, "tools")
    assert answer["calls"] == [{"name": "lookup", "arguments": {"query": "the moon"}}]
    assert answer["text"] == "Tool said: found the moon"
