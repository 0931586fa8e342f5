"""Anthropic Messages, checked with the official SDK and on the raw events."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import orjson
import pytest

from omniroute.wire.sse import SSEDecoder
from services.simulator.answers import Role, build_answer
from services.simulator.anthropic_format import parse_prompt

TOOLS = [{"name": "lookup", "input_schema": {"type": "object"}}]


@pytest.fixture
def client(url: str) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=url, api_key="ak-test", max_retries=0) as sdk:
        yield sdk


def test_message(client: anthropic.Anthropic) -> None:
    reply = client.messages.create(
        model="sim-echo",
        max_tokens=100,
        system="be brief",
        messages=[{"role": "user", "content": "hello there"}],
    )
    assert reply.content[0].type == "text"
    assert reply.content[0].text == "Echo: hello there"
    assert reply.stop_reason == "end_turn"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (10, 3)


def test_stream_event_sequence(url: str) -> None:
    body = {
        "model": "m",
        "max_tokens": 100,
        "stream": True,
        "messages": [{"role": "user", "content": "hello there"}],
    }
    raw = httpx.post(url + "/v1/messages", json=body).content
    events = SSEDecoder().feed(raw)
    names = [event.event for event in events]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    payloads = [orjson.loads(event.data) for event in events]
    assert all(p["type"] == e for p, e in zip(payloads, names, strict=True))
    assert [p["delta"]["text"] for p in payloads[3:6]] == ["Echo:", " hello", " there"]
    assert payloads[0]["message"]["usage"]["input_tokens"] == 5
    assert payloads[-2]["delta"]["stop_reason"] == "end_turn"
    assert payloads[-2]["usage"] == {
        "input_tokens": 5,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 3,
    }


def test_stream_with_sdk_helper(client: anthropic.Anthropic) -> None:
    with client.messages.stream(
        model="m", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Echo: hi"
    assert final.usage.output_tokens == 2


def test_thinking_block_with_signature(client: anthropic.Anthropic) -> None:
    with client.messages.stream(
        model="sim-think", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        final = stream.get_final_message()
    thinking, text = final.content
    assert thinking.type == "thinking"
    assert thinking.thinking == "Thinking about: hi"
    assert thinking.signature
    assert text.type == "text"
    assert text.text == "Echo: hi"
    assert final.usage.output_tokens == 5


def test_tool_use_streamed_then_result(client: anthropic.Anthropic) -> None:
    with client.messages.stream(
        model="m",
        max_tokens=100,
        tools=TOOLS,
        messages=[{"role": "user", "content": "call lookup the moon"}],
    ) as stream:
        partials = [
            event.delta.partial_json
            for event in stream
            if event.type == "content_block_delta"
            and event.delta.type == "input_json_delta"
        ]
        final = stream.get_final_message()
    assert partials == ['{"query":', ' "the', ' moon"}']
    assert final.stop_reason == "tool_use"
    use = final.content[0]
    assert use.type == "tool_use"
    assert use.input == {"query": "the moon"}
    follow = client.messages.create(
        model="m",
        max_tokens=100,
        tools=TOOLS,
        messages=[
            {"role": "user", "content": "call lookup the moon"},
            {"role": "assistant", "content": [use.model_dump()]},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": use.id, "content": "far"}
                ],
            },
        ],
    )
    assert follow.content[0].text == "Tool said: far"


def test_count_tokens_and_models(client: anthropic.Anthropic) -> None:
    counted = client.messages.count_tokens(
        model="m", messages=[{"role": "user", "content": "a b c"}]
    )
    assert counted.input_tokens == 6
    assert "sim-echo" in [model.id for model in client.models.list()]


def test_errors_in_anthropic_shape(
    client: anthropic.Anthropic, control: object
) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="m", max_tokens=10, messages="nope")
    assert caught.value.body["type"] == "error"
    assert caught.value.body["error"]["type"] == "invalid_request_error"


def test_system_entries_in_messages_are_instructions_not_the_prompt() -> None:
    # Claude Code sends {"role": "system"} entries after the user's turn.
    body = {
        "model": "m",
        "max_tokens": 100,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "hello there"}]},
            {"role": "system", "content": [{"type": "text", "text": "# Env"}]},
        ],
    }
    prompt = parse_prompt(body)
    assert [turn.role for turn in prompt.turns] == [Role.USER, Role.SYSTEM]
    assert build_answer(prompt).content == "Echo: hello there"
