"""Gemini generateContent, checked with google-genai and on the raw SSE."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
from google import genai
from google.genai import errors, types

from services.simulator.harness import SimControl


@pytest.fixture
def client(url: str) -> Iterator[genai.Client]:
    options = types.HttpOptions(
        base_url=url, retry_options=types.HttpRetryOptions(attempts=1)
    )
    with genai.Client(api_key="gk-test", http_options=options) as sdk:
        yield sdk


def test_generate_content(client: genai.Client) -> None:
    reply = client.models.generate_content(
        model="sim-echo",
        contents="hello there",
        config=types.GenerateContentConfig(system_instruction="be brief"),
    )
    assert reply.text == "Echo: hello there"
    assert reply.candidates is not None
    assert reply.candidates[0].finish_reason == types.FinishReason.STOP
    usage = reply.usage_metadata
    assert usage is not None
    assert (usage.prompt_token_count, usage.candidates_token_count) == (10, 3)


def test_stream_sse(client: genai.Client, url: str) -> None:
    pieces = [
        chunk.text
        for chunk in client.models.generate_content_stream(
            model="sim-echo", contents="hello there"
        )
    ]
    assert pieces == ["Echo:", " hello", " there"]
    raw = httpx.post(
        url + "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
    ).content
    events = [line for line in raw.split(b"\r\n") if line.startswith(b"data: ")]
    last = orjson.loads(events[-1][6:])
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert last["usageMetadata"]["candidatesTokenCount"] == 2


def test_stream_without_sse_is_a_json_array(url: str) -> None:
    raw = httpx.post(
        url + "/v1beta/models/g:streamGenerateContent",
        json={"contents": [{"parts": [{"text": "hi"}]}]},
    ).content
    chunks = orjson.loads(raw)
    assert [c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks] == [
        "Echo:",
        " hi",
    ]


def test_thought_parts(client: genai.Client) -> None:
    reply = client.models.generate_content(model="gemini-think", contents="hi")
    assert reply.candidates is not None
    content = reply.candidates[0].content
    assert content is not None and content.parts is not None
    thought, answer = content.parts
    assert thought.thought is True
    assert thought.text == "Thinking about: hi"
    assert answer.text == "Echo: hi"
    assert answer.thought_signature
    assert reply.usage_metadata is not None
    assert reply.usage_metadata.thoughts_token_count == 3


def test_function_call_then_response(client: genai.Client) -> None:
    tool = types.Tool(function_declarations=[types.FunctionDeclaration(name="lookup")])
    config = types.GenerateContentConfig(
        tools=[tool],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    reply = client.models.generate_content(
        model="g", contents="call lookup the moon", config=config
    )
    assert reply.function_calls is not None
    call = reply.function_calls[0]
    assert (call.name, call.args) == ("lookup", {"query": "the moon"})
    follow = client.models.generate_content(
        model="g",
        contents=[
            types.Content(role="user", parts=[types.Part(text="call lookup the moon")]),
            types.Content(role="model", parts=[types.Part(function_call=call)]),
            types.Content(
                role="user",
                parts=[
                    types.Part.from_function_response(
                        name="lookup", response={"output": "far"}
                    )
                ],
            ),
        ],
        config=config,
    )
    assert follow.text == "Tool said: far"


def test_models_and_count_tokens(client: genai.Client) -> None:
    names = [model.name for model in client.models.list()]
    assert "models/sim-echo" in names
    counted = client.models.count_tokens(model="g", contents="a b c")
    assert counted.total_tokens == 6


def test_error_in_gemini_shape(client: genai.Client, control: SimControl) -> None:
    control.add_faults({"match": {"model": "g"}, "status": 429, "times": 1})
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="g", contents="hi")
    assert caught.value.code == 429
    assert caught.value.status == "RESOURCE_EXHAUSTED"
