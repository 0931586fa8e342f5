"""openai-node (the official TypeScript SDK) on Chat Completions."""

from __future__ import annotations

import pytest

from tests.clients.harness import Scripts

pytestmark = [pytest.mark.e2e, pytest.mark.clients]


def test_chat(scripts: Scripts) -> None:
    answer = scripts.node("openai_node", "chat")
    assert answer["text"] == "Echo: hello from openai-node"
    assert answer["finish"] == "stop"
    assert answer["usage"]["completion_tokens"] == 4


def test_stream(scripts: Scripts) -> None:
    answer = scripts.node("openai_node", "stream")
    assert answer["pieces"] == ["Echo:", " hello", " from", " openai-node"]
    assert answer["finish"] == "stop"
    assert answer["usage"]["completion_tokens"] == 4
