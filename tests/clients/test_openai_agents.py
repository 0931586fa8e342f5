"""openai-agents: a Runner with a function tool, on the Responses model (the
SDK's default) and the Chat Completions model."""

from __future__ import annotations

import json

import pytest

from tests.clients.harness import Scripts

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

APIS = ["responses", "chat"]


@pytest.mark.parametrize("api", APIS)
def test_run(scripts: Scripts, api: str) -> None:
    answer = scripts.python_script("agents_client", "run", api)
    assert answer["text"] == "Echo: hello agents"


@pytest.mark.parametrize("api", APIS)
def test_function_tool(scripts: Scripts, api: str) -> None:
    answer = scripts.python_script("agents_client", "tools", api)
    (call,) = answer["calls"]
    assert call["name"] == "lookup"
    assert json.loads(call["arguments"]) == {"query": "the moon"}
    assert answer["outputs"] == ["found the moon"]
    assert answer["text"] == "Tool said: found the moon"


@pytest.mark.parametrize("api", APIS)
def test_streamed_run(scripts: Scripts, api: str) -> None:
    answer = scripts.python_script("agents_client", "stream", api)
    assert answer["pieces"] == ["Echo:", " hello", " agents"]
    assert answer["text"] == "Echo: hello agents"
