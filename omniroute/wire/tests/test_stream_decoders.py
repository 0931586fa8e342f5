"""Provider-side stream decoders at their edges: arguments split anywhere,
truncated streams, errors reported inside a stream, inline think tags."""

from __future__ import annotations

import json
from typing import Any

import pytest

from omniroute.errors import GatewayError, RateLimited
from omniroute.wire import anthropic, gemini, ollama, openai_chat, responses
from omniroute.wire.hub import HubAccumulator

Json = dict[str, Any]


def _anthropic_tool_events(arguments: str, cut: int) -> list[Json]:
    def event(kind: str, **payload: Any) -> Json:
        return {"type": kind, **payload}

    return [
        event("message_start", message={"id": "msg_1", "usage": {"input_tokens": 1}}),
        event(
            "content_block_start",
            index=0,
            content_block={"type": "tool_use", "id": "t1", "name": "f", "input": {}},
        ),
        event(
            "content_block_delta",
            index=0,
            delta={"type": "input_json_delta", "partial_json": arguments[:cut]},
        ),
        event(
            "content_block_delta",
            index=0,
            delta={"type": "input_json_delta", "partial_json": arguments[cut:]},
        ),
        event("content_block_stop", index=0),
        event(
            "message_delta",
            delta={"stop_reason": "tool_use"},
            usage={"output_tokens": 5},
        ),
        event("message_stop"),
    ]


def _openai_tool_events(arguments: str, cut: int) -> list[Json]:
    def chunk(delta: Json, finish: str | None = None) -> Json:
        return {
            "id": "c",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    head = {"index": 0, "id": "t1", "type": "function", "function": {"name": "f"}}
    return [
        chunk({"tool_calls": [head]}),
        chunk(
            {"tool_calls": [{"index": 0, "function": {"arguments": arguments[:cut]}}]}
        ),
        chunk(
            {"tool_calls": [{"index": 0, "function": {"arguments": arguments[cut:]}}]}
        ),
        chunk({}, "tool_calls"),
    ]


def _responses_tool_events(arguments: str, cut: int) -> list[Json]:
    item = {
        "id": "fc_1",
        "type": "function_call",
        "call_id": "t1",
        "name": "f",
        "arguments": "",
    }
    return [
        {"type": "response.created", "response": {"id": "resp_1"}},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {
            "type": "response.function_call_arguments.delta",
            "item_id": "fc_1",
            "delta": arguments[:cut],
        },
        {
            "type": "response.function_call_arguments.delta",
            "item_id": "fc_1",
            "delta": arguments[cut:],
        },
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {**item, "arguments": arguments},
        },
        {"type": "response.completed", "response": {"status": "completed"}},
    ]


ARGUMENTS = '{"city": "São Paulo", "days": [1, 2], "nested": {"q": "a\\"b"}}'


@pytest.mark.parametrize(
    ("module", "events"),
    [
        (anthropic, _anthropic_tool_events),
        (openai_chat, _openai_tool_events),
        (responses, _responses_tool_events),
    ],
    ids=["anthropic", "openai_chat", "responses"],
)
def test_tool_arguments_split_at_every_position(module: Any, events: Any) -> None:
    for cut in range(len(ARGUMENTS) + 1):
        decoder = module.StreamToHub(model="m")
        accumulator = HubAccumulator()
        for data in events(ARGUMENTS, cut):
            for chunk in decoder.feed(data):
                accumulator.feed(chunk)
        for chunk in decoder.finish():
            accumulator.feed(chunk)
        answer = accumulator.response()
        [call] = answer["choices"][0]["message"]["tool_calls"]
        assert (call["id"], call["function"]["name"]) == ("t1", "f")
        assert json.loads(call["function"]["arguments"]) == json.loads(ARGUMENTS)
        assert answer["choices"][0]["finish_reason"] == "tool_calls"


def _decode_all(module: Any, events: list[Json]) -> list[Json]:
    decoder = module.StreamToHub(model="m")
    chunks: list[Json] = []
    for data in events:
        chunks += decoder.feed(data)
    return chunks + decoder.finish() + decoder.finish()


@pytest.mark.parametrize(
    ("module", "events"),
    [
        (
            anthropic,
            [
                {
                    "type": "message_start",
                    "message": {"id": "m", "usage": {"input_tokens": 7}},
                },
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": "Hel"},
                },
            ],
        ),
        (
            openai_chat,
            [{"id": "c", "choices": [{"index": 0, "delta": {"content": "Hel"}}]}],
        ),
        (
            responses,
            [
                {"type": "response.created", "response": {"id": "r"}},
                {"type": "response.output_text.delta", "item_id": "m", "delta": "Hel"},
            ],
        ),
        (
            gemini,
            [
                {
                    "candidates": [
                        {"content": {"role": "model", "parts": [{"text": "Hel"}]}}
                    ]
                }
            ],
        ),
        (ollama, [{"message": {"role": "assistant", "content": "Hel"}, "done": False}]),
    ],
    ids=["anthropic", "openai_chat", "responses", "gemini", "ollama"],
)
def test_truncated_provider_stream_ends_with_one_finish_and_one_usage(
    module: Any, events: list[Json]
) -> None:
    chunks = _decode_all(module, events)
    finishes = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert len(finishes) == 1 and finishes[0]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and "usage" in chunks[-1]
    assert sum(1 for c in chunks if not c["choices"]) == 1
    accumulator = HubAccumulator()
    for chunk in chunks:
        accumulator.feed(chunk)
    assert accumulator.response()["choices"][0]["message"]["content"] == "Hel"


def test_anthropic_usage_from_message_start_survives_truncation() -> None:
    chunks = _decode_all(
        anthropic,
        [
            {
                "type": "message_start",
                "message": {
                    "id": "m",
                    "usage": {"input_tokens": 7, "cache_read_input_tokens": 3},
                },
            }
        ],
    )
    assert chunks[-1]["usage"]["prompt_tokens"] == 10


@pytest.mark.parametrize(
    ("module", "event", "error_class", "status"),
    [
        (
            anthropic,
            {
                "type": "error",
                "error": {"type": "overloaded_error", "message": "Overloaded"},
            },
            GatewayError,
            529,
        ),
        (
            anthropic,
            {
                "type": "error",
                "error": {"type": "rate_limit_error", "message": "Too fast"},
            },
            RateLimited,
            429,
        ),
        (
            openai_chat,
            {"error": {"message": "boom", "type": "server_error", "code": None}},
            GatewayError,
            500,
        ),
        (
            responses,
            {
                "type": "response.failed",
                "response": {
                    "error": {"code": "rate_limit_exceeded", "message": "slow"}
                },
            },
            RateLimited,
            429,
        ),
        (
            responses,
            {
                "type": "error",
                "code": "server_error",
                "message": "oops",
                "sequence_number": 3,
            },
            GatewayError,
            500,
        ),
        (
            gemini,
            {
                "error": {
                    "code": 429,
                    "message": "Resource exhausted",
                    "status": "RESOURCE_EXHAUSTED",
                }
            },
            RateLimited,
            429,
        ),
        (
            gemini,
            {
                "error": {
                    "code": 503,
                    "message": "The model is overloaded",
                    "status": "UNAVAILABLE",
                }
            },
            GatewayError,
            503,
        ),
        (ollama, {"error": "model 'x' not found"}, GatewayError, 500),
    ],
)
def test_provider_errors_inside_a_stream_raise(
    module: Any, event: Json, error_class: type[GatewayError], status: int
) -> None:
    decoder = module.StreamToHub(model="m")
    with pytest.raises(error_class) as caught:
        decoder.feed(event)
    assert caught.value.status == status
    assert caught.value.message


def test_openai_stream_to_hub_splits_think_tags_across_chunks() -> None:
    decoder = openai_chat.StreamToHub(model="m")
    accumulator = HubAccumulator()
    for piece in ["<thi", "nk>\nstep 1", " step 2</th", "ink>\n\nAnswer", "."]:
        for chunk in decoder.feed(
            {"id": "c", "choices": [{"index": 0, "delta": {"content": piece}}]}
        ):
            accumulator.feed(chunk)
    for chunk in decoder.finish():
        accumulator.feed(chunk)
    message = accumulator.response()["choices"][0]["message"]
    assert message["reasoning_content"] == "step 1 step 2"
    assert message["content"] == "Answer."
