"""Ollama /api/chat and /api/tags, checked with the official client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import ollama
import pytest

from services.simulator.harness import SimControl


@pytest.fixture
def client(url: str) -> Iterator[ollama.Client]:
    with ollama.Client(host=url) as sdk:
        yield sdk


def test_chat(client: ollama.Client) -> None:
    reply = client.chat(
        model="llama3.2", messages=[{"role": "user", "content": "hi you"}]
    )
    assert reply.message.content == "Echo: hi you"
    assert reply.done is True
    assert reply.done_reason == "stop"
    assert (reply.prompt_eval_count, reply.eval_count) == (5, 3)


def test_stream_is_ndjson_and_the_default(client: ollama.Client, url: str) -> None:
    parts = list(
        client.chat(
            model="llama3.2", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    assert [p.message.content for p in parts] == ["Echo:", " hi", ""]
    assert [p.done for p in parts] == [False, False, True]
    raw = httpx.post(
        url + "/api/chat",
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert raw.headers["content-type"].startswith("application/x-ndjson")
    assert len(raw.content.splitlines()) == 3


def test_thinking_and_tool_call(client: ollama.Client) -> None:
    reply = client.chat(
        model="qwen-think",
        messages=[{"role": "user", "content": "call lookup tides"}],
        tools=[{"type": "function", "function": {"name": "lookup"}}],
    )
    assert reply.message.thinking == "Thinking about: call lookup tides"
    assert reply.message.tool_calls is not None
    call = reply.message.tool_calls[0].function
    assert (call.name, dict(call.arguments)) == ("lookup", {"query": "tides"})


def test_tags(client: ollama.Client) -> None:
    names = [model.model for model in client.list().models]
    assert "sim-echo:latest" in names


def test_error_in_ollama_shape(client: ollama.Client, control: SimControl) -> None:
    control.add_faults({"match": {"path": "/api/chat"}, "status": 503, "times": 1})
    with pytest.raises(ollama.ResponseError) as caught:
        client.chat(
            model="m", messages=[{"role": "user", "content": "x"}], stream=False
        )
    assert caught.value.status_code == 503
    assert caught.value.error == "The service is temporarily unavailable."
