"""The official SDKs read what the client-side encoders write.

Each SDK client talks to an in-memory transport that answers with the bytes
our encoder produced, so the SDK's own stream parser, accumulator and models
decide whether a user would see the text, the tool calls, the stop reason and
the usage. Every stream event is also validated against the SDK's models.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anthropic
import httpx
import httpx2
import ollama
import openai
import pytest
from google import genai
from google.genai import types as genai_types
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseStreamEvent
from pydantic import TypeAdapter

from omniroute.errors import RateLimited, Unavailable
from omniroute.wire import anthropic as anthropic_wire
from omniroute.wire import gemini as gemini_wire
from omniroute.wire import ollama as ollama_wire
from omniroute.wire import openai_chat, responses
from omniroute.wire.hub import chunks_from_response
from omniroute.wire.sse import SSEDecoder
from omniroute.wire.tests.golden_io import expand

Json = dict[str, Any]

USAGE = {
    "prompt_tokens": 120,
    "completion_tokens": 45,
    "total_tokens": 165,
    "prompt_tokens_details": {"cached_tokens": 100, "cache_creation_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 7},
}

# Thinking, text in pieces, two tool calls with arguments split mid-token.
HUB_STREAM = [
    expand(c)
    for c in [
        {"delta": {"role": "assistant", "content": ""}},
        {"delta": {"reasoning_content": "The user wants "}},
        {"delta": {"reasoning_content": "weather."}},
        {"delta": {"content": "Let me "}},
        {"delta": {"content": "check."}},
        {
            "delta": {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_a",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ]
            }
        },
        {"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"ci'}}]}},
        {
            "delta": {
                "tool_calls": [{"index": 0, "function": {"arguments": 'ty":"Paris"}'}}]
            }
        },
        {
            "delta": {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "call_b",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": '{"tz":"CET"}'},
                    }
                ]
            }
        },
        {"finish_reason": "tool_calls"},
        {"usage": USAGE},
    ]
]

HUB_RESPONSE: Json = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "provider-model",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": "Let me check.",
                "reasoning_content": "The user wants weather.",
                "tool_calls": [
                    {
                        "id": "call_a",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"city":"Paris"}',
                        },
                    }
                ],
            },
        }
    ],
    "usage": USAGE,
}


def encode(encoder: Any, chunks: list[Json] = HUB_STREAM) -> bytes:
    return b"".join(encoder.feed(c) for c in chunks) + encoder.finish()


def answering(body: bytes, content_type: str) -> Callable[[Any], Any]:
    def handler(request: Any) -> Any:
        response_class = type(request).__module__.split(".")[0]
        module = httpx2 if response_class == "httpx2" else httpx
        return module.Response(
            200, content=body, headers={"content-type": content_type}
        )

    return handler


def sse_events(raw: bytes) -> list[tuple[str | None, Any]]:
    decoder = SSEDecoder()
    return [
        (e.event, e.data if e.data == "[DONE]" else json.loads(e.data))
        for e in decoder.feed(raw) + decoder.flush()
    ]


# --- OpenAI Chat -----------------------------------------------------------


def openai_client(body: bytes, content_type: str) -> openai.OpenAI:
    transport = httpx2.MockTransport(answering(body, content_type))
    return openai.OpenAI(api_key="k", http_client=httpx2.Client(transport=transport))


def test_openai_sdk_reads_the_chat_stream() -> None:
    raw = encode(openai_chat.StreamFromHub(model="my-model", request_id="r1"))
    for _, data in sse_events(raw):
        if data != "[DONE]":
            ChatCompletionChunk.model_validate(data)
    client = openai_client(raw, "text/event-stream")
    stream = client.chat.completions.create(
        model="my-model",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, arguments, names, finish, usage = "", {}, {}, None, None
    for chunk in stream:
        assert chunk.model == "my-model"
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
            for call in choice.delta.tool_calls or []:
                if call.function and call.function.name:
                    names[call.index] = call.function.name
                arguments[call.index] = arguments.get(call.index, "") + (
                    call.function.arguments or "" if call.function else ""
                )
    assert text == "Let me check."
    assert names == {0: "get_weather", 1: "get_time"}
    assert json.loads(arguments[0]) == {"city": "Paris"}
    assert finish == "tool_calls"
    assert usage is not None and usage.total_tokens == 165
    assert (
        usage.prompt_tokens_details and usage.prompt_tokens_details.cached_tokens == 100
    )


def test_openai_stream_without_include_usage_has_no_empty_choice_chunk() -> None:
    encoder = openai_chat.StreamFromHub(model="m", request_id="r", include_usage=False)
    frames = sse_events(encode(encoder))
    assert all(data == "[DONE]" or data["choices"] for _, data in frames)
    assert frames[-1] == (None, "[DONE]")


def test_openai_sdk_reads_the_full_answer() -> None:
    body = openai_chat.response_from_hub(HUB_RESPONSE, model="my-model")
    client = openai_client(json.dumps(body).encode(), "application/json")
    answer = client.chat.completions.create(
        model="my-model", messages=[{"role": "user", "content": "hi"}]
    )
    call = answer.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert answer.choices[0].message.content == "Let me check."
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert answer.choices[0].finish_reason == "tool_calls"
    assert answer.usage is not None and answer.usage.completion_tokens == 45


def test_openai_sdk_raises_the_mid_stream_error() -> None:
    encoder = openai_chat.StreamFromHub(model="m", request_id="r")
    raw = encoder.feed(HUB_STREAM[3]) + encoder.error(Unavailable("provider down"))
    client = openai_client(raw, "text/event-stream")
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(openai.APIError, match="provider down"):
        list(stream)


# --- Anthropic -------------------------------------------------------------


def anthropic_client(body: bytes, content_type: str) -> anthropic.Anthropic:
    transport = httpx2.MockTransport(answering(body, content_type))
    return anthropic.Anthropic(
        api_key="k", http_client=httpx2.Client(transport=transport)
    )


def test_anthropic_sdk_accumulates_the_stream() -> None:
    raw = encode(anthropic_wire.StreamFromHub(model="claude-x", request_id="r1"))
    adapter = TypeAdapter(anthropic.types.RawMessageStreamEvent)
    for event, data in sse_events(raw):
        assert event == data["type"]
        adapter.validate_python(data)
    client = anthropic_client(raw, "text/event-stream")
    with client.messages.stream(
        model="claude-x", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        message = stream.get_final_message()
    kinds = [block.type for block in message.content]
    assert kinds == ["thinking", "text", "tool_use", "tool_use"]
    assert message.content[0].thinking == "The user wants weather."  # type: ignore[union-attr]
    assert message.content[1].text == "Let me check."  # type: ignore[union-attr]
    assert message.content[2].input == {"city": "Paris"}  # type: ignore[union-attr]
    assert message.content[3].name == "get_time"  # type: ignore[union-attr]
    assert message.stop_reason == "tool_use"
    assert message.usage.input_tokens == 20
    assert message.usage.cache_read_input_tokens == 100
    assert message.usage.output_tokens == 45


def test_anthropic_sdk_reads_the_full_answer() -> None:
    body = anthropic_wire.response_from_hub(HUB_RESPONSE, model="claude-x")
    message = anthropic.types.Message.model_validate(body)
    client = anthropic_client(json.dumps(body).encode(), "application/json")
    message = client.messages.create(
        model="claude-x", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    )
    assert [b.type for b in message.content] == ["thinking", "text", "tool_use"]
    assert message.stop_reason == "tool_use"


def test_anthropic_sdk_raises_the_mid_stream_error() -> None:
    encoder = anthropic_wire.StreamFromHub(model="m", request_id="r")
    raw = encoder.feed(HUB_STREAM[3]) + encoder.error(RateLimited("slow down"))
    client = anthropic_client(raw, "text/event-stream")
    with (
        pytest.raises(anthropic.APIStatusError, match="slow down"),
        client.messages.stream(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        ) as stream,
    ):
        stream.get_final_message()


# --- Responses -------------------------------------------------------------


def test_openai_sdk_reads_the_responses_stream() -> None:
    raw = encode(responses.StreamFromHub(model="gpt-x", request_id="r1"))
    adapter = TypeAdapter(ResponseStreamEvent)
    numbers = []
    for event, data in sse_events(raw):
        assert event == data["type"]
        adapter.validate_python(data)
        numbers.append(data["sequence_number"])
    assert numbers == list(range(len(numbers)))
    client = openai_client(raw, "text/event-stream")
    with client.responses.stream(model="gpt-x", input="hi") as stream:
        final = stream.get_final_response()
    calls = [item for item in final.output if item.type == "function_call"]
    assert final.output_text == "Let me check."
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"tz": "CET"}),
    ]
    assert final.status == "completed"
    assert final.usage is not None and final.usage.total_tokens == 165
    assert final.usage.output_tokens_details.reasoning_tokens == 7


def test_openai_sdk_reads_the_full_response_object() -> None:
    body = responses.response_from_hub(HUB_RESPONSE, model="gpt-x")
    client = openai_client(json.dumps(body).encode(), "application/json")
    answer = client.responses.create(model="gpt-x", input="hi")
    assert answer.output_text == "Let me check."
    assert [item.type for item in answer.output] == [
        "reasoning",
        "message",
        "function_call",
    ]
    assert answer.usage is not None and answer.usage.input_tokens == 120


def test_responses_failure_is_a_valid_failed_event() -> None:
    encoder = responses.StreamFromHub(model="m", request_id="r")
    raw = encoder.error(RateLimited("slow down"))
    events = sse_events(raw)
    assert [e for e, _ in events] == [
        "response.created",
        "response.in_progress",
        "response.failed",
    ]
    failed = TypeAdapter(ResponseStreamEvent).validate_python(events[-1][1])
    assert failed.response.error.code == "rate_limit_exceeded"  # type: ignore[union-attr]
    assert failed.response.error.message == "slow down"  # type: ignore[union-attr]


# --- Gemini ----------------------------------------------------------------


def gemini_client(body: bytes, content_type: str) -> genai.Client:
    transport = httpx2.MockTransport(answering(body, content_type))
    options = genai_types.HttpOptions(httpx_client=httpx2.Client(transport=transport))
    return genai.Client(api_key="k", http_options=options)


def test_google_genai_sdk_reads_the_stream() -> None:
    raw = encode(gemini_wire.StreamFromHub(model="gemini-x", request_id="r1"))
    assert b"[DONE]" not in raw
    client = gemini_client(raw, "text/event-stream")
    text, thoughts, calls, finish, usage = "", "", [], None, None
    for chunk in client.models.generate_content_stream(model="gemini-x", contents="hi"):
        candidate = chunk.candidates[0]  # type: ignore[index]
        for part in candidate.content.parts or []:  # type: ignore[union-attr]
            if part.thought:
                thoughts += part.text or ""
            elif part.text:
                text += part.text
            if part.function_call:
                calls.append((part.function_call.name, part.function_call.args))
        finish = candidate.finish_reason or finish
        usage = chunk.usage_metadata or usage
    assert text == "Let me check."
    assert thoughts == "The user wants weather."
    assert calls == [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "CET"})]
    assert finish == genai_types.FinishReason.STOP
    assert usage is not None and usage.prompt_token_count == 120
    assert usage.thoughts_token_count == 7 and usage.candidates_token_count == 38


def test_google_genai_sdk_reads_the_full_answer() -> None:
    body = gemini_wire.response_from_hub(HUB_RESPONSE, model="gemini-x")
    client = gemini_client(json.dumps(body).encode(), "application/json")
    answer = client.models.generate_content(model="gemini-x", contents="hi")
    assert answer.function_calls is not None
    assert answer.function_calls[0].args == {"city": "Paris"}
    assert answer.usage_metadata is not None
    assert answer.usage_metadata.total_token_count == 165


def test_google_genai_sdk_raises_the_mid_stream_error() -> None:
    encoder = gemini_wire.StreamFromHub(model="m", request_id="r")
    raw = encoder.feed(HUB_STREAM[3]) + encoder.error(RateLimited("quota"))
    client = gemini_client(raw, "text/event-stream")
    with pytest.raises(genai.errors.APIError, match="quota"):
        list(client.models.generate_content_stream(model="m", contents="hi"))


# --- Ollama ----------------------------------------------------------------


def ollama_client(body: bytes) -> ollama.Client:
    transport = httpx.MockTransport(answering(body, "application/x-ndjson"))
    return ollama.Client(host="http://ollama.test", transport=transport)


def test_ollama_sdk_reads_the_stream() -> None:
    raw = encode(ollama_wire.StreamFromHub(model="llama3.2", request_id="r1"))
    for line in raw.splitlines():
        ollama.ChatResponse.model_validate_json(line)
    parts = list(
        ollama_client(raw).chat(
            model="llama3.2", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    text = "".join(p.message.content or "" for p in parts)
    thinking = "".join(p.message.thinking or "" for p in parts)
    calls = [
        (c.function.name, dict(c.function.arguments))
        for p in parts
        for c in p.message.tool_calls or []
    ]
    assert text == "Let me check."
    assert thinking == "The user wants weather."
    assert calls == [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "CET"})]
    assert parts[-1].done is True and parts[-1].done_reason == "stop"
    assert (parts[-1].prompt_eval_count, parts[-1].eval_count) == (120, 45)


def test_ollama_sdk_reads_the_full_answer() -> None:
    body = ollama_wire.response_from_hub(HUB_RESPONSE, model="llama3.2")
    raw = json.dumps(body).encode()
    answer = ollama_client(raw).chat(
        model="llama3.2", messages=[{"role": "user", "content": "hi"}]
    )
    assert answer.message.content == "Let me check."
    assert answer.message.tool_calls is not None
    assert answer.message.tool_calls[0].function.arguments == {"city": "Paris"}
    assert answer.eval_count == 45


def test_ollama_sdk_raises_the_mid_stream_error() -> None:
    encoder = ollama_wire.StreamFromHub(model="m", request_id="r")
    raw = encoder.feed(HUB_STREAM[3]) + encoder.error(Unavailable("no GPU"))
    stream = ollama_client(raw).chat(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(ollama.ResponseError, match="no GPU"):
        list(stream)


def test_cached_answer_replayed_as_stream_reads_like_the_original() -> None:
    """A cache hit served to a streaming client goes through the same encoder."""
    raw = encode(
        anthropic_wire.StreamFromHub(model="claude-x", request_id="r"),
        chunks_from_response(HUB_RESPONSE),
    )
    with anthropic_client(raw, "text/event-stream").messages.stream(
        model="claude-x", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        message = stream.get_final_message()
    assert message.content[1].text == "Let me check."  # type: ignore[union-attr]
    assert message.content[2].input == {"city": "Paris"}  # type: ignore[union-attr]
