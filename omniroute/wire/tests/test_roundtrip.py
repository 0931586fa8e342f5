"""Property-style round trips: a format translated to the hub and back loses
nothing that format can carry.

Answers, streams and conversations are generated from seeds (text in odd
pieces and scripts, tool arguments split at random places, several tool
calls, reasoning, usage) and sent through each format's own encoder and
decoder.
"""

from __future__ import annotations

import itertools
import json
import random
from types import ModuleType
from typing import Any

import orjson
import pytest

from omniroute.wire import anthropic, gemini, ollama, openai_chat, responses
from omniroute.wire.hub import HubAccumulator, make_usage
from omniroute.wire.tests.golden_io import decode_wire, expand

Json = dict[str, Any]
SEEDS = range(40)
FORMATS = {
    "openai_chat": openai_chat,
    "anthropic": anthropic,
    "responses": responses,
    "gemini": gemini,
    "ollama": ollama,
}
WORDS = [
    "hello",
    "wörld",
    "日本語",
    "🙂",
    '"quoted"',
    "new\nline",
    "a{b}",
    "tab\t",
    "42",
]

# What each format's usage can express (the rest is not on its wire).
USAGE_FIELDS = {
    "openai_chat": (
        "prompt",
        "completion",
        "cached",
        "creation",
        "creation_1h",
        "reasoning",
    ),
    "anthropic": ("prompt", "completion", "cached", "creation", "creation_1h"),
    "responses": ("prompt", "completion", "cached", "reasoning"),
    "gemini": ("prompt", "completion", "cached", "reasoning"),
    "ollama": ("prompt", "completion"),
}


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def arguments(rng: random.Random, depth: int = 0) -> Json:
    value: Json = {}
    for key in rng.sample("abcdefg", rng.randint(0, 4)):
        kind = rng.randint(0, 4 if depth < 2 else 3)
        if kind == 0:
            value[key] = text(rng, 2)
        elif kind == 1:
            value[key] = rng.randint(-5, 10**6)
        elif kind == 2:
            value[key] = rng.choice([True, False, None])
        elif kind == 3:
            value[key] = [text(rng, 1), rng.randint(0, 9)]
        else:
            value[key] = arguments(rng, depth + 1)
    return value


def random_answer(rng: random.Random) -> Json:
    calls = [
        {
            "id": f"call_{rng.randrange(10**6)}_{i}",
            "type": "function",
            "function": {
                "name": rng.choice(["get_weather", "search", "run_code"]),
                "arguments": json.dumps(arguments(rng)),
            },
        }
        for i in range(rng.randint(0, 3))
    ]
    message: Json = {"role": "assistant", "content": text(rng, rng.randint(0, 6))}
    if not calls and not message["content"]:
        message["content"] = "ok"
    if rng.random() < 0.5:
        message["reasoning_content"] = text(rng, rng.randint(1, 8))
    if calls:
        message["tool_calls"] = calls
    prompt, completion = rng.randint(1, 5000), rng.randint(1, 900)
    creation = rng.randint(0, 50)
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls"
                if calls
                else rng.choice(["stop", "length"]),
            }
        ],
        "usage": make_usage(
            prompt,
            completion,
            cached=rng.randint(0, prompt),
            cache_creation=creation,
            cache_creation_1h=rng.randint(0, creation),
            reasoning=rng.randint(0, completion),
        ),
    }


def pieces(rng: random.Random, value: str) -> list[str]:
    cuts = (
        sorted(rng.sample(range(1, len(value)), min(len(value) - 1, 4)))
        if value
        else []
    )
    bounds = [0, *cuts, len(value)]
    return [value[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def hub_stream(rng: random.Random, answer: Json) -> list[Json]:
    """The answer as hub chunks, text and arguments cut at random places."""
    choice = answer["choices"][0]
    message = choice["message"]
    deltas: list[Json] = [{"delta": {"role": "assistant", "content": ""}}]
    for piece in pieces(rng, message.get("reasoning_content", "")):
        deltas.append({"delta": {"reasoning_content": piece}})
    for piece in pieces(rng, message.get("content") or ""):
        deltas.append({"delta": {"content": piece}})
    for index, call in enumerate(message.get("tool_calls", [])):
        head = {
            **call,
            "index": index,
            "function": {**call["function"], "arguments": ""},
        }
        deltas.append({"delta": {"tool_calls": [head]}})
        for piece in pieces(rng, call["function"]["arguments"]):
            part = {"index": index, "function": {"arguments": piece}}
            deltas.append({"delta": {"tool_calls": [part]}})
    deltas.append({"finish_reason": choice["finish_reason"]})
    deltas.append({"usage": answer["usage"]})
    return [expand(d) for d in deltas]


def projection(answer: Json, fmt: str) -> Json:
    """What a user of ``fmt`` sees of an answer."""
    choice = answer["choices"][0]
    message = choice["message"]
    usage = answer["usage"]
    numbers = {
        "prompt": usage["prompt_tokens"],
        "completion": usage["completion_tokens"],
        "cached": usage["prompt_tokens_details"]["cached_tokens"],
        "creation": usage["prompt_tokens_details"]["cache_creation_tokens"],
        "creation_1h": usage["prompt_tokens_details"]["cache_creation_1h_tokens"],
        "reasoning": usage["completion_tokens_details"]["reasoning_tokens"],
    }
    return {
        "text": message.get("content") or "",
        "reasoning": message.get("reasoning_content") or "",
        "calls": [
            (
                None if fmt == "ollama" else call["id"],  # Ollama calls have no ids
                call["function"]["name"],
                json.loads(call["function"]["arguments"] or "{}"),
            )
            for call in message.get("tool_calls") or []
        ],
        "finish": choice["finish_reason"],
        "usage": {k: numbers[k] for k in USAGE_FIELDS[fmt]},
    }


def provider_events(module: ModuleType, raw: bytes, fmt: str) -> list[tuple[Json, Any]]:
    frames = decode_wire(raw, ndjson=fmt == "ollama")
    if fmt == "ollama":
        return [(frame, None) for frame in frames]
    return [(f["data"], f["event"]) for f in frames if f["data"] != "[DONE]"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", SEEDS)
def test_stream_through_a_format_and_back(fmt: str, seed: int) -> None:
    rng = random.Random(seed)
    answer = random_answer(rng)
    module = FORMATS[fmt]
    encoder = module.StreamFromHub(model="m", request_id="r")
    raw = b"".join(encoder.feed(c) for c in hub_stream(rng, answer)) + encoder.finish()
    decoder = module.StreamToHub(model="m")
    accumulator = HubAccumulator()
    for data, event in provider_events(module, raw, fmt):
        for chunk in decoder.feed(data, event):
            accumulator.feed(chunk)
    for chunk in decoder.finish():
        accumulator.feed(chunk)
    assert projection(accumulator.response(), fmt) == projection(answer, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", SEEDS)
def test_full_answer_through_a_format_and_back(fmt: str, seed: int) -> None:
    answer = random_answer(random.Random(seed))
    module = FORMATS[fmt]
    wire = orjson.loads(orjson.dumps(module.response_from_hub(answer, model="m")))
    assert projection(module.response_to_hub(wire, model="m"), fmt) == projection(
        answer, fmt
    )


def random_conversation(rng: random.Random) -> Json:
    """A hub request: system prompt, turns with images, tool calls and results."""
    messages: list[Json] = [{"role": "system", "content": text(rng, 3)}]
    for turn in range(rng.randint(1, 3)):
        content: Any = text(rng, rng.randint(1, 5))
        if rng.random() < 0.4:
            image = {"url": f"data:image/png;base64,iVBORw0KGgo{turn}AAA="}
            content = [
                {"type": "text", "text": content},
                {"type": "image_url", "image_url": image},
            ]
        messages.append({"role": "user", "content": content})
        calls = random_answer(rng)["choices"][0]["message"].get("tool_calls", [])
        reply: Json = {"role": "assistant", "content": text(rng, 2) or None}
        if calls:
            reply["tool_calls"] = calls
        messages.append(reply)
        for call in calls:
            result = json.dumps({"result": text(rng, 2)})
            messages.append(
                {"role": "tool", "tool_call_id": call["id"], "content": result}
            )
    messages.append({"role": "user", "content": text(rng, 4)})
    return {
        "model": "client-model",
        "stream": rng.random() < 0.5,
        "messages": messages,
        "max_tokens": rng.randint(100, 4000),
        "temperature": rng.choice([0.0, 0.5, 1.0]),
        "stop": ["END"],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": f"{name} tool",
                    "parameters": {
                        "type": "object",
                        "properties": {"q": {"type": "string"}},
                    },
                },
            }
            for name in ("get_weather", "search", "run_code")
        ],
    }


def client_to_hub(module: ModuleType, body: Json, hub_request: Json) -> Json:
    if module is gemini:
        return gemini.request_to_hub(
            body, model=hub_request["model"], stream=hub_request["stream"]
        )
    result: Json = module.request_to_hub({"model": hub_request["model"], **body})
    return result


def conversation_view(hub_request: Json, fmt: str) -> Json:
    """The words, calls and results of a conversation, whatever its framing."""
    texts, calls, results = [], [], []
    for message in hub_request["messages"]:
        content = message.get("content")
        if message["role"] == "tool":
            results.append(json.loads(content))
            continue
        parts = (
            content
            if isinstance(content, list)
            else [{"type": "text", "text": content}]
        )
        texts += [p["text"] for p in parts if p.get("type") == "text" and p.get("text")]
        texts += [p["image_url"]["url"] for p in parts if p.get("type") == "image_url"]
        for call in message.get("tool_calls") or []:
            function = call["function"]
            calls.append((function["name"], json.loads(function["arguments"] or "{}")))
    return {"texts": sorted(texts), "calls": calls, "results": results}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", SEEDS)
def test_conversation_through_a_format_and_back(fmt: str, seed: int) -> None:
    """hub → provider body → (as a client body) hub → provider body is stable."""
    hub_request = random_conversation(random.Random(seed))
    module = FORMATS[fmt]
    model = "gemini-2.5-flash" if fmt == "gemini" else "provider-model"
    body = orjson.loads(orjson.dumps(module.request_from_hub(hub_request, model=model)))
    body.pop("model", None)
    again = client_to_hub(module, body, hub_request)
    assert conversation_view(again, fmt) == conversation_view(hub_request, fmt)
    assert again["stream"] == hub_request["stream"]
    assert again["max_tokens"] == hub_request["max_tokens"]
    if fmt != "responses":  # the Responses API has no stop sequences
        assert again["stop"] == ["END"]
    assert [t["function"]["name"] for t in again["tools"]] == [
        t["function"]["name"] for t in hub_request["tools"]
    ]
    rebuilt = module.request_from_hub(again, model=model)
    rebuilt.pop("model", None)
    assert rebuilt == body
