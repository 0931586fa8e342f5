"""Issue 3 acceptance: every client format against every provider format.

Each official SDK talks to the running stack; the provider simulator speaks
OpenAI, Anthropic, Gemini and Ollama upstream. In every cell the text, a tool
call, the stop reason and the usage must survive, streaming and not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx
import ollama
import openai
import orjson
import pytest
from google import genai
from google.genai import types as gtypes

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import admin_client, poll_until

pytestmark = pytest.mark.e2e

PROVIDERS = {
    # provider id -> (kind, base path on the simulator)
    "simoai": ("openai-compatible", "/v1"),
    "simant": ("anthropic", "/v1"),
    "simgem": ("gemini", "/v1beta"),
    "simoll": ("ollama", ""),
    "simresp": ("openai-responses", "/v1"),
}
PROMPT = "tell me about formats"
TOOL = {
    "name": "lookup",
    "description": "Looks a query up",
    "parameters": {
        "type": "object",
        "properties": {"query": {"type": "string"}},
        "required": ["query"],
    },
}


@dataclass
class Answer:
    text: str = ""
    tool_name: str = ""
    tool_args: dict[str, Any] = field(default_factory=dict)
    stop: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0


@pytest.fixture(scope="module")
def formats_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("formats"))
    try:
        with admin_client(stack.edge_url, stack.admin_key) as admin:
            for provider_id, (kind, path) in PROVIDERS.items():
                response = admin.post(
                    "/api/providers",
                    json={
                        "id": provider_id,
                        "kind": kind,
                        "base_url": stack.simulator_url + path,
                        "api_key": f"sk-{provider_id}",
                        "models": [f"{provider_id}-model"],
                    },
                )
                assert response.status_code == 201, response.text
        with httpx.Client(base_url=stack.edge_url) as http:
            poll_until(
                lambda: (
                    "simoll/simoll-model"
                    in http.get(
                        "/v1/models",
                        headers={"Authorization": f"Bearer {stack.api_key}"},
                    ).text
                )
            )
        yield stack
    finally:
        stack.stop()


def _json_args(raw: Any) -> dict[str, Any]:
    import json

    return dict(json.loads(raw)) if isinstance(raw, str) else dict(raw or {})


# --- one function per client format: (stack, model, stream, tool) -> Answer ----


def openai_chat(stack: Stack, model: str, stream: bool, tool: bool) -> Answer:
    prompt = "call lookup " + PROMPT if tool else PROMPT
    tools = [{"type": "function", "function": TOOL}] if tool else openai.NOT_GIVEN
    answer = Answer()
    with openai.OpenAI(
        base_url=stack.edge_url + "/v1", api_key=stack.api_key
    ) as client:
        if not stream:
            result = client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": prompt}], tools=tools
            )
            message = result.choices[0].message
            answer.text = message.content or ""
            if message.tool_calls:
                answer.tool_name = message.tool_calls[0].function.name
                answer.tool_args = _json_args(message.tool_calls[0].function.arguments)
            answer.stop = result.choices[0].finish_reason
            assert result.usage is not None
            answer.prompt_tokens = result.usage.prompt_tokens
            answer.completion_tokens = result.usage.completion_tokens
            return answer
        arguments = ""
        for chunk in client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": prompt}],
            tools=tools,
            stream=True,
            stream_options={"include_usage": True},
        ):
            if chunk.usage:
                answer.prompt_tokens = chunk.usage.prompt_tokens
                answer.completion_tokens = chunk.usage.completion_tokens
            for choice in chunk.choices:
                answer.text += choice.delta.content or ""
                for call in choice.delta.tool_calls or ():
                    if call.function and call.function.name:
                        answer.tool_name = call.function.name
                    if call.function and call.function.arguments:
                        arguments += call.function.arguments
                if choice.finish_reason:
                    answer.stop = choice.finish_reason
        answer.tool_args = _json_args(arguments) if arguments else {}
    return answer


def openai_responses(stack: Stack, model: str, stream: bool, tool: bool) -> Answer:
    prompt = "call lookup " + PROMPT if tool else PROMPT
    tools = [{"type": "function", **TOOL}] if tool else openai.NOT_GIVEN
    with openai.OpenAI(
        base_url=stack.edge_url + "/v1", api_key=stack.api_key
    ) as client:
        if stream:
            final = None
            deltas = ""
            for event in client.responses.create(
                model=model, input=prompt, tools=tools, stream=True
            ):
                if event.type == "response.output_text.delta":
                    deltas += event.delta
                if event.type == "response.completed":
                    final = event.response
            assert final is not None
            answer = _responses_answer(final)
            assert answer.text == deltas
            return answer
        return _responses_answer(
            client.responses.create(model=model, input=prompt, tools=tools)
        )


def _responses_answer(response: Any) -> Answer:
    answer = Answer(text=response.output_text or "", stop=response.status)
    for item in response.output:
        if item.type == "function_call":
            answer.tool_name = item.name
            answer.tool_args = _json_args(item.arguments)
            answer.stop = "tool_calls"
    answer.prompt_tokens = response.usage.input_tokens
    answer.completion_tokens = response.usage.output_tokens
    return answer


def anthropic_messages(stack: Stack, model: str, stream: bool, tool: bool) -> Answer:
    prompt = "call lookup " + PROMPT if tool else PROMPT
    tools = (
        [
            {
                "name": TOOL["name"],
                "description": TOOL["description"],
                "input_schema": TOOL["parameters"],
            }
        ]
        if tool
        else anthropic.NOT_GIVEN
    )
    with anthropic.Anthropic(base_url=stack.edge_url, api_key=stack.api_key) as client:
        kwargs: dict[str, Any] = {
            "model": model,
            "max_tokens": 256,
            "messages": [{"role": "user", "content": prompt}],
            "tools": tools,
        }
        if stream:
            with client.messages.stream(**kwargs) as events:
                message = events.get_final_message()
        else:
            message = client.messages.create(**kwargs)
    answer = Answer(stop=message.stop_reason or "")
    for block in message.content:
        if block.type == "text":
            answer.text += block.text
        if block.type == "tool_use":
            answer.tool_name = block.name
            answer.tool_args = dict(block.input)  # type: ignore[arg-type]
    answer.prompt_tokens = message.usage.input_tokens
    answer.completion_tokens = message.usage.output_tokens
    return answer


def gemini_generate(stack: Stack, model: str, stream: bool, tool: bool) -> Answer:
    prompt = "call lookup " + PROMPT if tool else PROMPT
    client = genai.Client(
        api_key=stack.api_key,
        http_options=gtypes.HttpOptions(base_url=stack.edge_url, api_version="v1beta"),
    )
    config = gtypes.GenerateContentConfig(
        tools=[gtypes.Tool(function_declarations=[gtypes.FunctionDeclaration(**TOOL)])]
        if tool
        else None,
        automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True),
    )
    responses = (
        list(
            client.models.generate_content_stream(
                model=model, contents=prompt, config=config
            )
        )
        if stream
        else [
            client.models.generate_content(model=model, contents=prompt, config=config)
        ]
    )
    answer = Answer()
    for response in responses:
        for candidate in response.candidates or ():
            for part in (candidate.content.parts if candidate.content else None) or ():
                if part.text and not part.thought:
                    answer.text += part.text
                if part.function_call:
                    answer.tool_name = part.function_call.name or ""
                    answer.tool_args = dict(part.function_call.args or {})
            if candidate.finish_reason:
                answer.stop = str(candidate.finish_reason.value)
        if response.usage_metadata and response.usage_metadata.prompt_token_count:
            answer.prompt_tokens = response.usage_metadata.prompt_token_count
            answer.completion_tokens = (
                response.usage_metadata.candidates_token_count or 0
            )
    client.close()
    return answer


def ollama_chat(stack: Stack, model: str, stream: bool, tool: bool) -> Answer:
    prompt = "call lookup " + PROMPT if tool else PROMPT
    tools = [{"type": "function", "function": TOOL}] if tool else None
    messages = [{"role": "user", "content": prompt}]
    with ollama.Client(
        host=stack.edge_url, headers={"Authorization": f"Bearer {stack.api_key}"}
    ) as client:
        parts = (
            list(client.chat(model=model, messages=messages, tools=tools, stream=True))
            if stream
            else [
                client.chat(model=model, messages=messages, tools=tools, stream=False)
            ]
        )
    answer = Answer()
    for part in parts:
        answer.text += part.message.content or ""
        for call in part.message.tool_calls or ():
            answer.tool_name = call.function.name
            answer.tool_args = dict(call.function.arguments)
        if part.done:
            answer.stop = part.done_reason or ""
            answer.prompt_tokens = part.prompt_eval_count or 0
            answer.completion_tokens = part.eval_count or 0
    return answer


CLIENTS: dict[str, tuple[Callable[[Stack, str, bool, bool], Answer], str, str]] = {
    # client -> (call, stop reason for text, stop reason for a tool call)
    "openai-chat": (openai_chat, "stop", "tool_calls"),
    "openai-responses": (openai_responses, "completed", "tool_calls"),
    "anthropic": (anthropic_messages, "end_turn", "tool_use"),
    "gemini": (gemini_generate, "STOP", "STOP"),
    "ollama": (ollama_chat, "stop", "stop"),
}


@pytest.mark.parametrize("stream", [False, True], ids=["unary", "stream"])
@pytest.mark.parametrize("provider", list(PROVIDERS))
@pytest.mark.parametrize("client", list(CLIENTS))
def test_text_survives_every_pair(
    formats_stack: Stack, client: str, provider: str, stream: bool
) -> None:
    call, text_stop, _ = CLIENTS[client]
    answer = call(formats_stack, f"{provider}/{provider}-model", stream, False)
    assert answer.text == "Echo: " + PROMPT
    assert answer.stop == text_stop
    # The simulator counts one completion token per word it answered.
    assert answer.completion_tokens == 1 + len(PROMPT.split())
    assert answer.prompt_tokens > len(PROMPT.split())


@pytest.mark.parametrize("stream", [False, True], ids=["unary", "stream"])
@pytest.mark.parametrize("provider", list(PROVIDERS))
@pytest.mark.parametrize("client", list(CLIENTS))
def test_tool_calls_survive_every_pair(
    formats_stack: Stack, client: str, provider: str, stream: bool
) -> None:
    call, _, tool_stop = CLIENTS[client]
    answer = call(formats_stack, f"{provider}/{provider}-model", stream, True)
    assert answer.tool_name == "lookup"
    assert answer.tool_args == {"query": PROMPT}
    assert answer.stop == tool_stop
    assert answer.completion_tokens > 0


def test_same_format_passes_the_body_through(formats_stack: Stack) -> None:
    stack = formats_stack
    with httpx.Client(base_url=stack.simulator_url) as sim:
        sim.delete("/_sim/calls")
    body = {
        "model": "simant/simant-model",
        "max_tokens": 64,
        "metadata": {"user_id": "u-1"},
        "system": [
            {"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}
        ],
        "messages": [{"role": "user", "content": "hello there"}],
    }
    with httpx.Client(base_url=stack.edge_url, timeout=10) as http:
        response = http.post(
            "/v1/messages",
            json=body,
            headers={"x-api-key": stack.api_key, "anthropic-version": "2023-06-01"},
        )
    assert response.status_code == 200, response.text
    with httpx.Client(base_url=stack.simulator_url) as sim:
        seen = sim.get("/_sim/calls").json()["recent"][-1]["body"]
    assert seen == {**body, "model": "simant-model", "stream": False}


def test_streams_reach_the_client_incrementally_in_every_format(
    formats_stack: Stack,
) -> None:
    stack = formats_stack
    words = " ".join(f"w{i}" for i in range(20))
    with httpx.Client(base_url=stack.simulator_url) as sim:
        sim.post("/_sim/faults", json={"rules": [{"match": {}, "chunk_delay_ms": 40}]})
    try:
        requests = {
            "/v1/chat/completions": {
                "model": "simant/simant-model",
                "stream": True,
                "messages": [{"role": "user", "content": words}],
            },
            "/v1/messages": {
                "model": "simgem/simgem-model",
                "stream": True,
                "max_tokens": 99,
                "messages": [{"role": "user", "content": words}],
            },
            "/v1/responses": {
                "model": "simoll/simoll-model",
                "stream": True,
                "input": words,
            },
            "/v1beta/models/simoai/simoai-model:streamGenerateContent?alt=sse": {
                "contents": [{"role": "user", "parts": [{"text": words}]}]
            },
            # Without alt=sse: one JSON array, still sent element by element.
            "/v1beta/models/simgem/simgem-model:streamGenerateContent": {
                "contents": [{"role": "user", "parts": [{"text": words}]}]
            },
            "/api/chat": {
                "model": "simoai/simoai-model",
                "messages": [{"role": "user", "content": words}],
            },
        }
        headers = {"Authorization": f"Bearer {stack.api_key}"}
        with httpx.Client(base_url=stack.edge_url, timeout=30) as http:
            for path, body in requests.items():
                started = time.monotonic()
                arrivals = []
                with http.stream("POST", path, json=body, headers=headers) as response:
                    assert response.status_code == 200, path
                    for _ in response.iter_raw():
                        arrivals.append(time.monotonic() - started)
                assert len(arrivals) > 5, path
                assert arrivals[0] < arrivals[-1] - 0.4, path
    finally:
        with httpx.Client(base_url=stack.simulator_url) as sim:
            sim.delete("/_sim/faults")


MALFORMED = {
    "/v1/chat/completions": (
        {"model": "simoai/simoai-model", "messages": "hi"},
        "messages",
    ),
    "/v1/messages": (
        {
            "model": "simant/simant-model",
            "max_tokens": 5,
            "messages": [{"role": "robot", "content": "x"}],
        },
        "role",
    ),
    "/v1/responses": ({"model": "simoai/simoai-model", "input": 42}, "input"),
    "/v1beta/models/simoai/simoai-model:generateContent": (
        {"contents": "nope"},
        "contents",
    ),
    "/api/chat": (
        {"model": "simoai/simoai-model", "messages": [{"content": 1}]},
        "messages",
    ),
}


@pytest.mark.parametrize("path", list(MALFORMED))
def test_malformed_requests_are_400_in_the_clients_format(
    formats_stack: Stack, path: str
) -> None:
    body, field_name = MALFORMED[path]
    with httpx.Client(base_url=formats_stack.edge_url) as http:
        response = http.post(
            path,
            json=body,
            headers={"Authorization": f"Bearer {formats_stack.api_key}"},
        )
    assert response.status_code == 400
    error = response.json()
    if path == "/v1/messages":
        assert error["type"] == "error" and field_name in error["error"]["message"]
    elif path.startswith("/v1beta"):
        assert error["error"]["status"] == "INVALID_ARGUMENT"
        assert field_name in error["error"]["message"]
    elif path == "/api/chat":
        assert field_name in error["error"]
    else:
        assert field_name in error["error"]["message"]


def test_count_tokens_provider_and_local(formats_stack: Stack) -> None:
    with anthropic.Anthropic(
        base_url=formats_stack.edge_url, api_key=formats_stack.api_key
    ) as client:
        upstream = client.messages.count_tokens(
            model="simant/simant-model",
            messages=[{"role": "user", "content": "one two three"}],
        )
        local = client.messages.count_tokens(
            model="simoai/simoai-model",
            messages=[{"role": "user", "content": "one two three"}],
        )
    assert upstream.input_tokens > 0 and upstream.model_extra["source"] == "provider"  # type: ignore[index]
    assert local.input_tokens > 0 and local.model_extra["source"] == "local"  # type: ignore[index]


def test_gemini_key_in_the_query_string(formats_stack: Stack) -> None:
    """Gemini's REST examples put the key in ``?key=``; a wrong one is a 401."""
    path = "/v1beta/models/simoai/simoai-model:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}
    with httpx.Client(base_url=formats_stack.edge_url) as http:
        good = http.post(path, params={"key": formats_stack.api_key}, json=body)
        bad = http.post(path, params={"key": "sk-not-a-key"}, json=body)
    assert good.status_code == 200
    assert good.json()["candidates"][0]["content"]["parts"][0]["text"]
    assert bad.status_code == 401
    assert bad.json()["error"]["status"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("model", ["simoai/simoai-model", "simgem/simgem-model"])
def test_gemini_streams_without_alt_sse_are_one_json_array(
    formats_stack: Stack, model: str
) -> None:
    """Translated (simoai) and passed through (simgem) alike."""
    path = f"/v1beta/models/{model}:streamGenerateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "one two three four"}]}]}
    headers = {"x-goog-api-key": formats_stack.api_key}

    def text_of(responses: list[dict[str, Any]]) -> str:
        return "".join(
            part.get("text", "")
            for r in responses
            for part in r["candidates"][0]["content"].get("parts", [])
        )

    with httpx.Client(base_url=formats_stack.edge_url, timeout=10) as http:
        array = http.post(path, json=body, headers=headers)
        events = http.post(path, params={"alt": "sse"}, json=body, headers=headers)
    assert array.status_code == 200, array.text
    assert array.headers["content-type"].startswith("application/json")
    responses = array.json()
    assert isinstance(responses, list) and len(responses) > 1
    assert responses[-1]["candidates"][0]["finishReason"] == "STOP"
    assert responses[-1]["usageMetadata"]["totalTokenCount"] > 0
    assert events.headers["content-type"].startswith("text/event-stream")
    sse = [
        orjson.loads(line[5:])
        for line in events.text.splitlines()
        if line.startswith("data:")
    ]
    assert text_of(responses) == text_of(sse) != ""
