"""Anthropic prompt caching over HTTP: usage in messages and streams, the
400s for bad breakpoints, and ``/_sim/prompt-cache``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import orjson
import pytest

from omniroute.wire.sse import SSEDecoder
from services.simulator.harness import SimControl
from services.simulator.prompt_cache import fingerprint

SYSTEM = " ".join(f"rule{i}" for i in range(1200))  # 1203 tokens as a system
EPHEMERAL = {"type": "ephemeral"}


def request(**extra: Any) -> dict[str, Any]:
    return {
        "model": "sim-echo",
        "max_tokens": 100,
        "system": [{"type": "text", "text": SYSTEM, "cache_control": EPHEMERAL}],
        "messages": [{"role": "user", "content": "hello there"}],
        **extra,
    }


def post(url: str, body: dict[str, Any], key: str = "ak-cache") -> httpx.Response:
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    return httpx.post(url + "/v1/messages", json=body, headers=headers)


@pytest.fixture
def client(url: str) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=url, api_key="ak-sdk", max_retries=0) as sdk:
        yield sdk


def test_an_identical_request_reads_the_prefix_the_first_wrote(
    client: anthropic.Anthropic,
) -> None:
    first = client.messages.create(**request())
    assert first.usage.cache_creation_input_tokens == 1203
    assert first.usage.cache_read_input_tokens == 0
    assert first.usage.input_tokens == 5
    assert first.usage.cache_creation is not None
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == 1203
    assert first.usage.cache_creation.ephemeral_1h_input_tokens == 0
    second = client.messages.create(**request())
    assert second.usage.cache_read_input_tokens == 1203
    assert second.usage.cache_creation_input_tokens == 0
    assert second.usage.input_tokens == 5
    assert second.content[0].type == "text"
    assert second.content[0].text == "Echo: hello there"


def test_another_account_does_not_read_it(url: str) -> None:
    post(url, request(), key="ak-one")
    usage = post(url, request(), key="ak-two").json()["usage"]
    assert (usage["cache_read_input_tokens"], usage["cache_creation_input_tokens"]) == (
        0,
        1203,
    )


def test_one_hour_and_five_minute_writes_are_reported_apart(url: str) -> None:
    system = [
        {"type": "text", "text": SYSTEM, "cache_control": {**EPHEMERAL, "ttl": "1h"}}
    ]
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "hello there", "cache_control": EPHEMERAL}
            ],
        }
    ]
    usage = post(url, request(system=system, messages=messages)).json()["usage"]
    assert usage["cache_creation"] == {
        "ephemeral_5m_input_tokens": 5,
        "ephemeral_1h_input_tokens": 1203,
    }
    assert usage["cache_creation_input_tokens"] == 1208
    assert usage["input_tokens"] == 0


def test_the_stream_reports_the_split_at_start_and_end(url: str) -> None:
    post(url, request())
    raw = post(url, request(stream=True)).content
    payloads = [orjson.loads(event.data) for event in SSEDecoder().feed(raw)]
    start = payloads[0]["message"]["usage"]
    assert start["input_tokens"] == 5
    assert start["cache_read_input_tokens"] == 1203
    assert start["cache_creation_input_tokens"] == 0
    assert start["cache_creation"] == {
        "ephemeral_5m_input_tokens": 0,
        "ephemeral_1h_input_tokens": 0,
    }
    assert payloads[-2]["type"] == "message_delta"
    assert payloads[-2]["usage"] == {
        "input_tokens": 5,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 1203,
        "output_tokens": 3,
    }


def test_the_split_adds_up_to_count_tokens(client: anthropic.Anthropic) -> None:
    tools = [
        {
            "name": "lookup",
            "description": "finds things",
            "input_schema": {"type": "object"},
            "cache_control": EPHEMERAL,
        }
    ]
    body = request(tools=tools)
    counted = client.messages.count_tokens(
        model=body["model"],
        system=body["system"],
        messages=body["messages"],
        tools=tools,
    )
    for _ in range(2):
        usage = client.messages.create(**body).usage
        parts = (
            usage.input_tokens,
            usage.cache_read_input_tokens or 0,
            usage.cache_creation_input_tokens or 0,
        )
        assert sum(parts) == counted.input_tokens == 5 + 1203 + 5


def test_more_than_four_breakpoints_is_a_400(url: str) -> None:
    content = [
        {"type": "text", "text": f"part {i}", "cache_control": EPHEMERAL}
        for i in range(4)
    ]
    response = post(url, request(messages=[{"role": "user", "content": content}]))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == (
        "A maximum of 4 blocks with cache_control may be provided. Found 5."
    )


def test_a_one_hour_breakpoint_after_a_five_minute_one_is_a_400(url: str) -> None:
    late = {"type": "text", "text": "x", "cache_control": {**EPHEMERAL, "ttl": "1h"}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "a"}, late]}]
    response = post(url, request(messages=messages))
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message.startswith(
        "messages.0.content.1.cache_control.ttl: a ttl='1h' cache_control block "
        "must not come after a ttl='5m' cache_control block."
    )


def test_an_unknown_ttl_is_a_400(url: str) -> None:
    system = [
        {"type": "text", "text": "x", "cache_control": {**EPHEMERAL, "ttl": "1d"}}
    ]
    response = post(url, request(system=system))
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_control_api_lists_and_clears_the_cache(url: str, control: SimControl) -> None:
    post(url, request(), key="ak-listed")
    post(url, request(), key="ak-listed")
    short_system = [{"type": "text", "text": "short", "cache_control": EPHEMERAL}]
    post(url, request(system=short_system), key="ak-short")
    scopes = control.prompt_cache()
    assert "ak-listed" not in str(scopes)
    assert scopes == sorted(scopes, key=lambda s: (s["credential"], s["model"]))
    listed = next(s for s in scopes if s["credential"] == fingerprint("ak-listed"))
    assert listed == {
        "credential": fingerprint("ak-listed"),
        "model": "sim-echo",
        "entries": 1,
        "reads": 1,
        "writes": 1,
        "tokens_read": 1203,
        "tokens_written": 1203,
    }
    short = next(s for s in scopes if s["credential"] == fingerprint("ak-short"))
    assert (short["entries"], short["reads"], short["writes"]) == (0, 0, 0)
    control.clear_prompt_cache()
    assert control.prompt_cache() == []
    assert (
        post(url, request(), key="ak-listed").json()["usage"]["cache_read_input_tokens"]
        == 0
    )
