"""OpenAI formats, checked with the official SDK and on the raw bytes."""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator

import httpx
import openai
import pytest

TOOLS = [
    {
        "type": "function",
        "function": {"name": "lookup", "parameters": {"type": "object"}},
    }
]


@pytest.fixture
def client(url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=url + "/v1", api_key="sk-test", max_retries=0) as sdk:
        yield sdk


def test_chat_completion(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="sim-echo",
        messages=[
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hello there"},
        ],
    )
    assert reply.object == "chat.completion"
    assert reply.choices[0].message.content == "Echo: hello there"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (10, 3)
    assert reply.usage.total_tokens == 13


def test_stream_pieces_usage_and_done(url: str) -> None:
    body = {
        "model": "sim-echo",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "hello there"}],
    }
    raw = httpx.post(url + "/v1/chat/completions", json=body).content
    assert raw.endswith(b"data: [DONE]\n\n")
    client = openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0)
    chunks = list(
        client.chat.completions.create(
            model="sim-echo",
            messages=[{"role": "user", "content": "hello there"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    pieces = [c.choices[0].delta.content for c in chunks if c.choices]
    assert pieces == ["", "Echo:", " hello", " there", None]
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 3


def test_stream_without_include_usage_has_no_usage(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="sim-echo", messages=[{"role": "user", "content": "x"}], stream=True
        )
    )
    assert all(c.usage is None for c in chunks)
    assert all(c.choices for c in chunks)


def test_long_model_streams_many_chunks(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="sim-long", messages=[{"role": "user", "content": "x"}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text.endswith(" lorem199 lorem200")
    assert len(chunks) > 200


def test_tool_call_streams_argument_pieces(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="sim-echo",
            messages=[{"role": "user", "content": "call lookup the moon"}],
            tools=TOOLS,
            stream=True,
        )
    )
    calls = [
        c.choices[0].delta.tool_calls for c in chunks if c.choices[0].delta.tool_calls
    ]
    assert calls[0][0].function is not None
    assert calls[0][0].function.name == "lookup"
    assert calls[0][0].id is not None
    arguments = [call[0].function.arguments for call in calls if call[0].function]
    assert arguments == ["", '{"query":', ' "the', ' moon"}']
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_tool_call_then_tool_result(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model="sim-echo",
        messages=[{"role": "user", "content": "call lookup the moon"}],
        tools=TOOLS,
    )
    message = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    assert message.content is None
    assert message.tool_calls is not None
    call = message.tool_calls[0]
    assert call.function.arguments == '{"query": "the moon"}'
    second = client.chat.completions.create(
        model="sim-echo",
        messages=[
            {"role": "user", "content": "call lookup the moon"},
            message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "384400 km"},
        ],
        tools=TOOLS,
    )
    assert second.choices[0].message.content == "Tool said: 384400 km"


def test_forced_tool_choice(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="sim-echo",
        messages=[{"role": "user", "content": "the moon"}],
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "lookup"}},
    )
    calls = reply.choices[0].message.tool_calls
    assert calls is not None
    assert calls[0].function.arguments == '{"query": "the moon"}'


def test_reasoning_content_when_the_model_thinks(url: str) -> None:
    body = {"model": "sim-think", "messages": [{"role": "user", "content": "hi"}]}
    reply = httpx.post(url + "/v1/chat/completions", json=body).json()
    message = reply["choices"][0]["message"]
    assert message["reasoning_content"] == "Thinking about: hi"
    assert message["content"] == "Echo: hi"
    assert reply["usage"]["completion_tokens_details"]["reasoning_tokens"] == 3


def test_max_tokens_gives_length(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="sim-echo",
        messages=[{"role": "user", "content": "one two three"}],
        max_tokens=2,
    )
    assert reply.choices[0].message.content == "Echo: one"
    assert reply.choices[0].finish_reason == "length"


def test_path_without_v1_prefix(url: str) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    reply = httpx.post(url + "/chat/completions", json=body).json()
    assert reply["choices"][0]["message"]["content"] == "Echo: x"


def test_bad_request_in_openai_error_shape(url: str) -> None:
    reply = httpx.post(url + "/v1/chat/completions", json={"model": "m"})
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "messages" in error["message"]


def test_responses_api(client: openai.OpenAI) -> None:
    reply = client.responses.create(model="sim-think", input="hello world")
    assert reply.output_text == "Echo: hello world"
    assert [item.type for item in reply.output] == ["reasoning", "message"]
    assert reply.usage is not None
    assert reply.usage.output_tokens_details.reasoning_tokens == 4
    assert reply.usage.input_tokens == 5


def test_responses_stream_events(client: openai.OpenAI) -> None:
    events = list(
        client.responses.create(model="sim-echo", input="hello world", stream=True)
    )
    kinds = [event.type for event in events]
    assert kinds[0] == "response.created"
    assert kinds[-1] == "response.completed"
    assert [event.sequence_number for event in events] == list(range(len(events)))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert deltas == ["Echo:", " hello", " world"]


def test_responses_function_call(client: openai.OpenAI) -> None:
    with client.responses.stream(
        model="sim-echo",
        input="call lookup tides",
        tools=[{"type": "function", "name": "lookup", "parameters": {}}],
    ) as stream:
        final = stream.get_final_response()
    call = final.output[0]
    assert call.type == "function_call"
    assert call.name == "lookup"
    assert call.arguments == '{"query": "tides"}'


def test_models_list(client: openai.OpenAI) -> None:
    ids = [model.id for model in client.models.list()]
    assert "sim-echo" in ids
    assert "sim-embed" in ids


def test_embeddings_float_base64_and_dimensions(
    client: openai.OpenAI, url: str
) -> None:
    floats = httpx.post(
        url + "/v1/embeddings",
        json={"model": "sim-embed", "input": ["a b", "c"], "encoding_format": "float"},
    ).json()
    first = floats["data"][0]["embedding"]
    assert len(first) == 1536
    assert abs(sum(v * v for v in first) - 1.0) < 1e-9
    assert floats["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    packed = httpx.post(
        url + "/v1/embeddings",
        json={"model": "sim-embed", "input": "a b", "encoding_format": "base64"},
    ).json()["data"][0]["embedding"]
    decoded = struct.unpack("<1536f", base64.b64decode(packed))
    assert max(abs(x - y) for x, y in zip(decoded, first, strict=True)) < 1e-6
    # The SDK asks for base64 by default and decodes it.
    sdk = client.embeddings.create(model="sim-embed", input="a b", dimensions=8)
    assert len(sdk.data[0].embedding) == 8
    again = client.embeddings.create(model="sim-embed", input="a b", dimensions=8)
    assert sdk.data[0].embedding == again.data[0].embedding


def test_images_b64_and_url(client: openai.OpenAI) -> None:
    b64 = client.images.generate(model="gpt-image-1", prompt="a red fox")
    assert b64.data is not None
    png = base64.b64decode(b64.data[0].b64_json or "")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    url_reply = client.images.generate(
        model="dall-e-2", prompt="a red fox", response_format="url", n=2
    )
    assert url_reply.data is not None
    fetched = httpx.get(url_reply.data[0].url or "")
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.content.startswith(b"\x89PNG")
