"""Fault injection through the control API, observed the way a client of
the provider would notice it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest

from omniroute.wire.sse import SSEDecoder
from services.simulator.faults import FaultBook, RuleError
from services.simulator.harness import SimControl, poll_until

MESSAGES = [{"role": "user", "content": "one two three"}]
CHAT = {"model": "sim-echo", "messages": MESSAGES}
STREAM = {**CHAT, "stream": True}
GEMINI = {"contents": [{"parts": [{"text": "hi"}]}]}


@pytest.fixture
def client(url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=url + "/v1", api_key="sk-a", max_retries=0) as sdk:
        yield sdk


@pytest.fixture
def claude(url: str) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=url, api_key="k", max_retries=0) as sdk:
        yield sdk


def test_rate_limit_with_retry_after_then_recovery(
    client: openai.OpenAI, control: SimControl
) -> None:
    control.add_faults(
        {
            "match": {"model": "sim-echo"},
            "times": 1,
            "status": 429,
            "retry_after": 2,
            "headers": {"x-ratelimit-reset-requests": "2s"},
        }
    )
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="sim-echo", messages=MESSAGES)
    assert caught.value.response.headers["retry-after"] == "2"
    assert caught.value.response.headers["x-ratelimit-reset-requests"] == "2s"
    assert caught.value.body["code"] == "rate_limit_exceeded"
    reply = client.chat.completions.create(model="sim-echo", messages=MESSAGES)
    assert reply.choices[0].message.content == "Echo: one two three"
    assert control.faults() == []


def test_server_error_in_the_called_providers_shape(
    url: str, claude: anthropic.Anthropic, control: SimControl
) -> None:
    control.add_faults({"status": 500, "message": "boom"})
    with pytest.raises(anthropic.InternalServerError) as caught:
        claude.messages.create(model="m", max_tokens=5, messages=MESSAGES)
    assert caught.value.body["error"] == {"type": "api_error", "message": "boom"}
    openai_error = httpx.post(url + "/v1/chat/completions", json=CHAT)
    assert openai_error.status_code == 500
    assert openai_error.json()["error"]["message"] == "boom"


def test_hang_holds_the_call_until_the_client_gives_up(
    client: openai.OpenAI, control: SimControl
) -> None:
    control.add_faults({"times": 1, "hang": True})
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            client.with_options(timeout=1.0).chat.completions.create(
                model="m", messages=MESSAGES
            )
        except openai.APITimeoutError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    poll_until(lambda: control.calls()["held"] == 1)
    caller.join(timeout=5)
    assert len(outcome) == 1
    # The client left, so the simulator let the call go.
    poll_until(lambda: control.calls()["held"] == 0)
    assert control.health() == {"status": "ok"}


def test_hang_after_chunks_stalls_the_stream(url: str, control: SimControl) -> None:
    control.add_faults({"times": 1, "hang_after_chunks": 2})
    received = b""
    with (
        pytest.raises(httpx.ReadTimeout),
        httpx.stream(
            "POST", url + "/v1/chat/completions", json=STREAM, timeout=0.5
        ) as response,
    ):
        for piece in response.iter_raw():
            received += piece
    events = SSEDecoder().feed(received)
    assert len(events) == 2
    assert json.loads(events[1].data)["choices"][0]["delta"]["content"] == "Echo:"


def test_truncated_stream_ends_without_done(url: str, control: SimControl) -> None:
    control.add_faults({"times": 1, "truncate_after_chunks": 3})
    received = b""
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("POST", url + "/v1/chat/completions", json=STREAM) as response,
    ):
        for piece in response.iter_raw():
            received += piece
    assert len(SSEDecoder().feed(received)) == 3
    assert b"[DONE]" not in received


def test_truncated_body_is_an_incomplete_read(
    client: openai.OpenAI, control: SimControl
) -> None:
    control.add_faults({"times": 1, "truncate_after_chunks": 1})
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="m", messages=MESSAGES)


def test_malformed_body_and_stream(url: str, control: SimControl) -> None:
    control.add_faults({"times": 2, "malformed": True})
    body = httpx.post(url + "/v1/chat/completions", json=CHAT)
    assert body.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(body.content)
    events = SSEDecoder().feed(
        httpx.post(url + "/v1/chat/completions", json=STREAM).content
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[0].data)
    assert events[-1].data == "[DONE]"


def test_error_event_after_chunks(
    claude: anthropic.Anthropic, control: SimControl
) -> None:
    control.add_faults({"times": 1, "error_after_chunks": 2, "status": 529})
    stream = claude.messages.stream(model="m", max_tokens=5, messages=MESSAGES)
    with pytest.raises(anthropic.APIStatusError) as caught, stream as events:
        list(events)
    assert "overloaded_error" in str(caught.value)


def test_latency_and_chunk_delay(url: str, control: SimControl) -> None:
    control.add_faults({"times": 1, "latency_ms": 300})
    started = time.monotonic()
    httpx.post(url + "/v1/chat/completions", json=CHAT)
    assert time.monotonic() - started >= 0.3
    control.add_faults({"times": 1, "chunk_delay_ms": 60})
    started = time.monotonic()
    # 7 frames: role, 4 pieces, finish, [DONE] -> 6 gaps.
    httpx.post(url + "/v1/chat/completions", json=STREAM)
    assert time.monotonic() - started >= 0.36


def test_match_by_key_and_path(url: str, control: SimControl) -> None:
    control.add_faults(
        {"match": {"key": "sk-bad", "path": "/chat/completions"}, "status": 401}
    )
    bad = httpx.post(
        url + "/v1/chat/completions",
        json=CHAT,
        headers={"Authorization": "Bearer sk-bad"},
    )
    good = httpx.post(
        url + "/v1/chat/completions",
        json=CHAT,
        headers={"Authorization": "Bearer sk-ok"},
    )
    other_path = httpx.post(
        url + "/v1/embeddings",
        json={"model": "e", "input": "x"},
        headers={"Authorization": "Bearer sk-bad"},
    )
    assert (bad.status_code, good.status_code, other_path.status_code) == (
        401,
        200,
        200,
    )
    assert bad.json()["error"]["code"] == "invalid_api_key"


def test_body_override(url: str, control: SimControl) -> None:
    control.add_faults({"times": 1, "status": 502, "body": "<html>Bad gateway</html>"})
    reply = httpx.post(url + "/v1/chat/completions", json=CHAT)
    assert reply.status_code == 502
    assert reply.text == "<html>Bad gateway</html>"


def test_rules_are_listed_validated_and_cleared(url: str, control: SimControl) -> None:
    control.add_faults({"match": {"model": "x"}, "status": 500, "times": 2})
    (rule,) = control.faults()
    assert rule == {
        "id": rule["id"],
        "times": 2,
        "status": 500,
        "match": {"model": "x"},
    }
    bad = httpx.post(url + "/_sim/faults", json={"rules": [{"match": {}}]})
    assert bad.status_code == 400
    assert "action" in bad.json()["error"]
    control.clear_faults()
    assert control.faults() == []


def test_first_matching_rule_wins_and_times_expire() -> None:
    book = FaultBook()
    book.add([{"match": {"model": "m"}, "status": 429, "times": 2}, {"status": 500}])
    statuses = [book.take(None, "m", "/p") for _ in range(3)]
    assert [rule.status if rule else None for rule in statuses] == [429, 429, 500]
    assert book.take(None, "other", "/p") is not None
    with pytest.raises(RuleError):
        book.add([{"status": 500}, {"bogus": 1}])
    assert len(book.list()) == 1


def test_zombie_stream_sends_headers_then_nothing(
    url: str, control: SimControl
) -> None:
    control.add_faults({"times": 1, "hang_after_chunks": 0})
    with httpx.stream(
        "POST", url + "/v1/chat/completions", json=STREAM, timeout=0.5
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        with pytest.raises(httpx.ReadTimeout):
            response.read()


@pytest.mark.parametrize(
    ("path", "body", "error_line"),
    [
        ("/v1/chat/completions", STREAM, b'data: {"error":{"message":"busy"'),
        (
            "/v1/responses",
            {"model": "m", "input": "x", "stream": True},
            b'event: error\ndata: {"type":"error","code":"server_error"',
        ),
        (
            "/v1beta/models/g:streamGenerateContent?alt=sse",
            GEMINI,
            b'data: {"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}}',
        ),
        ("/api/chat", CHAT, b'{"error":"busy"}\n'),
    ],
)
def test_error_after_chunks_in_each_stream_format(
    url: str, control: SimControl, path: str, body: dict[str, object], error_line: bytes
) -> None:
    control.add_faults(
        {"times": 1, "error_after_chunks": 1, "status": 503, "message": "busy"}
    )
    raw = httpx.post(url + path, json=body).content
    assert error_line in raw
    assert raw.index(error_line) > 0
