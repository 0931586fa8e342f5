"""langchain-openai (Chat Completions and Responses) and langchain-anthropic
chat models: invoke, stream and a tool round trip."""

from __future__ import annotations

import pytest

from tests.clients.harness import Scripts

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

FLAVOURS = ["openai", "openai-responses", "anthropic"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_invoke(scripts: Scripts, flavour: str) -> None:
    answer = scripts.python_script("langchain_client", "invoke", flavour)
    assert answer["text"] == "Echo: hello langchain"
    assert answer["usage"]["output_tokens"] == 3


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_stream(scripts: Scripts, flavour: str) -> None:
    answer = scripts.python_script("langchain_client", "stream", flavour)
    assert [piece for piece in answer["pieces"] if piece] == [
        "Echo:",
        " hello",
        " langchain",
    ]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_tool_round_trip(scripts: Scripts, flavour: str) -> None:
    answer = scripts.python_script("langchain_client", "tools", flavour)
    assert answer["calls"] == [{"name": "lookup", "args": {"query": "the moon"}}]
    assert answer["text"] == "Tool said: found the moon"
