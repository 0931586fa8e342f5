"""Ollama's generate, embeddings, load calls and model listings: the pure
translations behind ``/api/generate``, ``/api/embed``, ``/api/show``..."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from omniroute.errors import BadRequest
from omniroute.wire import hub
from omniroute.wire.ollama import embed, generate, load
from omniroute.wire.ollama import models as catalog
from omniroute.wire.tests.conftest import CLOCK
from omniroute.wire.tests.golden_io import expand

Json = dict[str, Any]
PNG = (  # a 1x1 PNG, as clients send images: bare base64
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)


def test_generate_is_a_one_turn_chat_with_its_system_prompt_and_images() -> None:
    hub_request = generate.request_to_hub(
        {
            "model": "demo/m",
            "prompt": "What is this?",
            "system": "Be brief.",
            "images": [PNG],
            "options": {"temperature": 0.2, "num_predict": 7, "stop": ["\n"]},
            "format": "json",
            "think": False,
        }
    )
    assert hub_request["model"] == "demo/m"
    assert hub_request["stream"] is True  # Ollama streams unless told not to
    system, user = hub_request["messages"]
    assert system == {"role": "system", "content": "Be brief."}
    assert user["role"] == "user"
    assert user["content"][0] == {"type": "text", "text": "What is this?"}
    assert user["content"][1]["image_url"]["url"] == f"data:image/png;base64,{PNG}"
    assert hub_request["temperature"] == 0.2
    assert hub_request["max_tokens"] == 7
    assert hub_request["stop"] == ["\n"]
    assert hub_request["response_format"] == {"type": "json_object"}
    assert hub_request["thinking_budget"] == 0


def test_generate_accepts_what_only_a_local_model_uses() -> None:
    hub_request = generate.request_to_hub(
        {
            "model": "m",
            "prompt": "hi",
            "stream": False,
            "template": "{{ .Prompt }}",
            "context": [1, 2, 3],
            "keep_alive": "5m",
            "suffix": "",
        }
    )
    assert hub_request["messages"] == [{"role": "user", "content": "hi"}]
    assert hub_request["stream"] is False
    raw = generate.request_to_hub({"model": "m", "prompt": "[INST] x", "raw": True})
    assert raw["messages"] == [{"role": "user", "content": "[INST] x"}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"prompt": "hi"}, "model: is required"),
        ({"model": "m", "prompt": 3}, "prompt: expected a string"),
        ({"model": "m", "prompt": "x", "images": "abc"}, "images: expected an array"),
        ({"model": "m", "prompt": "x", "images": [1]}, "images.0: expected a string"),
        (
            {"model": "m", "prompt": "def f(", "suffix": "return x"},
            "'m' does not support insert",
        ),
        (
            {"model": "m", "prompt": "x", "raw": True, "system": "s"},
            "raw mode does not support template, system, or context",
        ),
        (
            {"model": "m", "prompt": "x", "options": {"temperature": "hot"}},
            "options.temperature: expected a number",
        ),
    ],
)
def test_generate_rejects_what_it_cannot_serve(body: Json, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        generate.request_to_hub(body)
    assert caught.value.message.startswith(message)


def _answer(text: str, finish: str = "stop", reasoning: str = "") -> Json:
    return hub.chat_completion(
        id="chatcmpl-1",
        model="gpt-x",
        message=hub.assistant_message(text, reasoning=reasoning),
        finish_reason=finish,
        usage=hub.make_usage(11, 4),
    )


def test_generate_answer_carries_the_text_as_response() -> None:
    answer = generate.response_from_hub(
        _answer("Echo: hi", reasoning="hm"), model="demo/m"
    )
    assert answer == {
        "model": "demo/m",
        "created_at": datetime.fromtimestamp(CLOCK, UTC)
        .isoformat()
        .replace("+00:00", "Z"),
        "response": "Echo: hi",
        "thinking": "hm",
        "done": True,
        "done_reason": "stop",
        "total_duration": 0,
        "load_duration": 0,
        "prompt_eval_count": 11,
        "prompt_eval_duration": 0,
        "eval_count": 4,
        "eval_duration": 0,
    }
    capped = generate.response_from_hub(_answer("Echo", "length"), model="m")
    assert capped["done_reason"] == "length"
    assert "message" not in capped


def _lines(raw: bytes) -> list[Json]:
    return [orjson.loads(line) for line in raw.splitlines()]


def test_generate_stream_is_response_pieces_then_the_counts() -> None:
    stream = generate.StreamFromHub(model="demo/m", request_id="r")
    out = stream.feed(expand({"delta": {"reasoning_content": "Thinking"}}))
    out += stream.feed(expand({"delta": {"content": "Echo:"}}))
    out += stream.feed(expand({"delta": {"content": " hi"}}))
    out += stream.feed(expand({"finish_reason": "stop"}))
    out += stream.feed(
        expand(
            {"usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}}
        )
    )
    out += stream.finish()
    lines = _lines(out)
    assert [(line["response"], line["done"]) for line in lines] == [
        ("", False),
        ("Echo:", False),
        (" hi", False),
        ("", True),
    ]
    assert lines[0]["thinking"] == "Thinking"
    assert all(line["model"] == "demo/m" and "message" not in line for line in lines)
    last = lines[-1]
    assert last["done_reason"] == "stop"
    assert (last["prompt_eval_count"], last["eval_count"]) == (5, 3)


def test_generate_stream_error_is_one_error_line() -> None:
    stream = generate.StreamFromHub(model="m", request_id="r")
    stream.feed(expand({"delta": {"content": "Echo"}}))
    assert _lines(stream.error(BadRequest("upstream refused"))) == [
        {"error": "upstream refused"}
    ]
    assert stream.finish() == b""


@pytest.mark.parametrize(
    ("keep_alive", "reason"),
    [(None, "load"), ("5m", "load"), (-1, "load"), (0, "unload"), ("0s", "unload")],
)
def test_no_prompt_is_the_load_call(keep_alive: Any, reason: str) -> None:
    body: Json = {"model": "demo/m", "keep_alive": keep_alive}
    answer = load.generate_load(body)
    assert answer is not None
    assert {k: answer[k] for k in ("model", "response", "done", "done_reason")} == {
        "model": "demo/m",
        "response": "",
        "done": True,
        "done_reason": reason,
    }
    assert load.generate_load({**body, "prompt": ""}) is not None
    assert load.generate_load({**body, "prompt": "hi"}) is None


def test_no_messages_is_the_chat_load_call() -> None:
    answer = load.chat_load({"model": "demo/m", "messages": []})
    assert answer is not None
    assert answer["message"] == {"role": "assistant", "content": ""}
    assert (answer["done"], answer["done_reason"]) == (True, "load")
    assert load.chat_load({"model": "m", "messages": [{"role": "user"}]}) is None
    with pytest.raises(BadRequest, match="model: is required"):
        load.chat_load({"messages": []})


@pytest.mark.parametrize(
    ("body", "legacy", "expected"),
    [
        ({"input": "sky"}, False, ["sky"]),
        ({"input": ["sky", "grass"]}, False, ["sky", "grass"]),
        ({"input": ""}, False, []),
        ({}, False, []),
        ({"prompt": "sky"}, True, ["sky"]),
        ({"prompt": ""}, True, []),
    ],
)
def test_embed_bodies_become_openai_inputs(
    body: Json, legacy: bool, expected: list[str]
) -> None:
    openai_body = embed.request_to_openai({"model": "m", **body}, legacy=legacy)
    assert openai_body == {"model": "m", "encoding_format": "float", "input": expected}


def test_embed_dimensions_pass_and_truncate_is_accepted() -> None:
    body = {"model": "m", "input": "x", "dimensions": 64, "truncate": False}
    assert embed.request_to_openai(body, legacy=False)["dimensions"] == 64
    zero = {"model": "m", "input": "x", "dimensions": 0}
    assert "dimensions" not in embed.request_to_openai(zero, legacy=False)
    for bad, message in (
        ({"input": 5}, "input: expected a string or a list of strings"),
        ({"input": ["a", 5]}, "input.1: expected a string"),
        ({"input": "a", "truncate": "yes"}, "truncate: expected a boolean"),
        ({"input": "a", "dimensions": -1}, "dimensions: must be at least 0"),
    ):
        with pytest.raises(BadRequest) as caught:
            embed.request_to_openai({"model": "m", **bad}, legacy=False)
        assert caught.value.message == message


def test_embed_answers_in_input_order_and_legacy_as_one_vector() -> None:
    answer = {
        "data": [
            {"index": 1, "embedding": [0.0, 1.0]},
            {"index": 0, "embedding": [1.0, 0.0]},
        ],
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }
    assert embed.embed_response(answer, model="demo/e", total_ns=42) == {
        "model": "demo/e",
        "embeddings": [[1.0, 0.0], [0.0, 1.0]],
        "total_duration": 42,
        "load_duration": 0,
        "prompt_eval_count": 4,
    }
    assert embed.embeddings_response(answer) == {"embedding": [1.0, 0.0]}
    assert embed.embeddings_response({"data": []}) == {"embedding": []}


def test_model_listings_have_ollamas_fields() -> None:
    chat = catalog.CatalogModel("demo/m", "demo", "chat", 1_700_000_000_000)
    entry = catalog.tag(chat)
    assert entry["name"] == entry["model"] == "demo/m"
    assert entry["modified_at"] == "2023-11-14T22:13:20Z"
    assert entry["size"] == 0
    assert len(entry["digest"]) == 64
    assert entry["details"]["family"] == "demo"
    now = datetime(2025, 1, 1, tzinfo=UTC)
    running = catalog.running(chat, now)
    assert running["expires_at"].startswith("2317-")
    assert running["size_vram"] == 0
    shown = catalog.show(chat)
    assert shown["capabilities"] == ["completion", "tools"]
    assert "FROM demo/m" in shown["modelfile"]
    assert shown["model_info"]["general.basename"] == "demo/m"
    embedding = catalog.CatalogModel("demo/e", "demo", "embedding", 0)
    assert catalog.show(embedding)["capabilities"] == ["embedding"]
    assert catalog.capabilities("combo") == ["completion", "tools"]
    assert catalog.capabilities("audio") == []
