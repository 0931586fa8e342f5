"""OpenAI's automatic prompt caching: the model with a moved clock, then
``cached_tokens`` over HTTP in chat completions and Responses."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from omniroute.wire.sse import SSEDecoder
from services.simulator import openai_format
from services.simulator.automatic_cache import cache_marks, retention
from services.simulator.prompt_cache import PromptCache

SYSTEM = " ".join(f"rule{i}" for i in range(1200))  # 1203 tokens as a message


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def chat(*user: str, **extra: Any) -> dict[str, Any]:
    messages = [{"role": "system", "content": SYSTEM}]
    messages += [{"role": "user", "content": text} for text in user]
    return {"model": "sim-echo", "messages": messages, **extra}


def use(cache: PromptCache, body: dict[str, Any], key: str = "sk-1") -> int:
    prompt = openai_format.parse_prompt(body)
    marks = cache_marks(prompt, body)
    return cache.use_automatic(key, prompt.model, marks, retention(body))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> PromptCache:
    return PromptCache(now=clock)


def test_marks_every_128_tokens_from_1024() -> None:
    body = chat("hello there")  # 1203 + 5 = 1208 tokens
    assert [
        tokens for _, tokens in cache_marks(openai_format.parse_prompt(body), body)
    ] == [
        1024,
        1152,
    ]
    short = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    assert cache_marks(openai_format.parse_prompt(short), short) == []


def test_the_longest_shared_mark_is_read(cache: PromptCache) -> None:
    assert use(cache, chat("hello there")) == 0
    assert use(cache, chat("hello there")) == 1152
    # Another question after the same system prompt shares 1205 tokens.
    assert use(cache, chat("something else entirely")) == 1152
    # A conversation that grew reads all the earlier marks.
    grown = chat("hello there", " ".join(["more"] * 300))
    assert use(cache, grown) == 1152
    assert use(cache, grown) == 1408  # 1208 + 303 = 1511


def test_scope_and_tools_are_part_of_the_key(cache: PromptCache) -> None:
    use(cache, chat("hello there"))
    assert use(cache, chat("hello there"), key="sk-2") == 0
    assert use(cache, {**chat("hello there"), "model": "other"}) == 0
    tools = [{"type": "function", "function": {"name": "lookup"}}]
    assert use(cache, chat("hello there", tools=tools)) == 0


def test_entries_live_five_minutes_past_their_last_use(
    cache: PromptCache, clock: Clock
) -> None:
    use(cache, chat("hello there"))
    clock.now += 299
    assert use(cache, chat("hello there")) == 1152
    clock.now += 299
    assert use(cache, chat("hello there")) == 1152
    clock.now += 300
    assert use(cache, chat("hello there")) == 0


def test_extended_retention_lasts_a_day(cache: PromptCache, clock: Clock) -> None:
    body = chat("hello there", prompt_cache_retention="24h")
    use(cache, body)
    clock.now += 3 * 3600
    assert use(cache, body) == 1152


def test_chat_completions_report_cached_tokens(url: str) -> None:
    headers = {"Authorization": "Bearer sk-chat"}
    first = httpx.post(url + "/v1/chat/completions", json=chat("hi"), headers=headers)
    assert first.json()["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    body = chat("hi", stream=True, stream_options={"include_usage": True})
    raw = httpx.post(url + "/v1/chat/completions", json=body, headers=headers).content
    events = [e.data for e in SSEDecoder().feed(raw) if e.data != "[DONE]"]
    usage = orjson.loads(events[-1])["usage"]
    assert usage["prompt_tokens"] == 1207
    assert usage["prompt_tokens_details"]["cached_tokens"] == 1152


def test_responses_report_cached_tokens(url: str) -> None:
    headers = {"Authorization": "Bearer sk-responses"}
    body = {"model": "sim-echo", "instructions": SYSTEM, "input": "hi"}
    httpx.post(url + "/v1/responses", json=body, headers=headers)
    again = httpx.post(url + "/v1/responses", json=body, headers=headers).json()
    assert again["usage"]["input_tokens"] == 1207
    assert again["usage"]["input_tokens_details"] == {"cached_tokens": 1152}
    raw = httpx.post(
        url + "/v1/responses", json={**body, "stream": True}, headers=headers
    ).content
    final = orjson.loads(SSEDecoder().feed(raw)[-1].data)
    assert final["type"] == "response.completed"
    assert final["response"]["usage"]["input_tokens_details"] == {"cached_tokens": 1152}


def test_an_unknown_retention_is_a_400(url: str) -> None:
    response = httpx.post(
        url + "/v1/chat/completions", json=chat("hi", prompt_cache_retention="1w")
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
