"""Vercel AI SDK (``ai`` with ``@ai-sdk/openai`` and ``@ai-sdk/anthropic``):
generateText, streamText and a tool round trip on each client endpoint, to a
provider of the same format and to one of another."""

from __future__ import annotations

import pytest

from tests.clients.harness import Scripts

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

ROUTES = [
    pytest.param("chat", "demo/gpt-4o-mini", id="chat-to-chat"),
    pytest.param("chat", "claude-sonnet-5-5", id="chat-to-anthropic"),
    pytest.param("responses", "gpt-6.2-sol", id="responses-to-responses"),
    pytest.param("responses", "demo/gpt-4o-mini", id="responses-to-chat"),
    pytest.param("anthropic", "claude-sonnet-5-5", id="anthropic-to-anthropic"),
    pytest.param("anthropic", "demo/gpt-4o-mini", id="anthropic-to-chat"),
]


@pytest.mark.parametrize(("endpoint", "model"), ROUTES)
def test_generate_text(scripts: Scripts, endpoint: str, model: str) -> None:
    answer = scripts.node("ai_sdk", "generate", endpoint, model)
    assert answer["text"] == "Echo: hello from the ai sdk"
    assert answer["finish"] == "stop"
    assert answer["usage"]["outputTokens"] == 6


@pytest.mark.parametrize(("endpoint", "model"), ROUTES)
def test_stream_text(scripts: Scripts, endpoint: str, model: str) -> None:
    answer = scripts.node("ai_sdk", "stream", endpoint, model)
    assert answer["pieces"] == ["Echo:", " hello", " from", " the", " ai", " sdk"]
    assert answer["finish"] == "stop"


@pytest.mark.parametrize(("endpoint", "model"), ROUTES)
def test_tool_round_trip(scripts: Scripts, endpoint: str, model: str) -> None:
    answer = scripts.node("ai_sdk", "tools", endpoint, model)
    first, second = answer["steps"]
    assert first["calls"] == [{"name": "lookup", "input": {"query": "the moon"}}]
    assert first["results"] == ["found the moon"]
    assert first["finish"] == "tool-calls"
    assert second["calls"] == [] and second["finish"] == "stop"
    assert answer["text"] == "Tool said: found the moon"
