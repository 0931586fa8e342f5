"""Client-side stream encoders at their edges: empty streams, truncation,
errors, closing exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from omniroute.errors import RateLimited, UpstreamError
from omniroute.wire import anthropic, gemini, ollama, openai_chat, responses
from omniroute.wire.tests.golden_io import decode_wire, expand

Json = dict[str, Any]
Json = dict[str, Any]


CLIENT_FORMATS = {
    "openai_chat": openai_chat,
    "anthropic": anthropic,
    "responses": responses,
    "gemini": gemini,
    "ollama": ollama,
}


TEXT = expand({"delta": {"content": "Hello"}})


FINISH = expand({"finish_reason": "stop"})


USAGE = expand(
    {"usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}
)


def frames(fmt: str, raw: bytes) -> list[Any]:
    return decode_wire(raw, ndjson=fmt == "ollama")


def names(fmt: str, raw: bytes) -> list[str]:
    """Event names (SSE event, or the data's type/done marker)."""
    result = []
    for frame in frames(fmt, raw):
        if fmt == "ollama":
            result.append(
                "done" if frame.get("done") else "error" if "error" in frame else "line"
            )
        elif frame["event"]:
            result.append(frame["event"])
        else:
            result.append("[DONE]" if frame["data"] == "[DONE]" else "data")
    return result


@pytest.mark.parametrize("fmt", CLIENT_FORMATS)
def test_finish_twice_closes_once(fmt: str) -> None:
    encoder = CLIENT_FORMATS[fmt].StreamFromHub(model="m", request_id="r")
    first = (
        encoder.feed(TEXT)
        + encoder.feed(FINISH)
        + encoder.feed(USAGE)
        + encoder.finish()
    )
    assert encoder.finish() == b""
    assert encoder.feed(TEXT) == b""
    assert encoder.error(UpstreamError("late")) == b""
    closing = {
        "openai_chat": "[DONE]",
        "anthropic": "message_stop",
        "responses": "response.completed",
        "gemini": "data",
        "ollama": "done",
    }[fmt]
    assert names(fmt, first).count(closing) == (2 if fmt == "gemini" else 1)


@pytest.mark.parametrize("fmt", CLIENT_FORMATS)
def test_a_stream_with_no_chunks_still_closes_validly(fmt: str) -> None:
    encoder = CLIENT_FORMATS[fmt].StreamFromHub(model="m", request_id="r")
    expected = {
        "openai_chat": ["[DONE]"],
        "anthropic": ["message_start", "message_delta", "message_stop"],
        "responses": ["response.created", "response.in_progress", "response.completed"],
        "gemini": ["data"],
        "ollama": ["done"],
    }[fmt]
    assert names(fmt, encoder.finish()) == expected


@pytest.mark.parametrize("fmt", CLIENT_FORMATS)
def test_an_error_ends_the_stream(fmt: str) -> None:
    encoder = CLIENT_FORMATS[fmt].StreamFromHub(model="m", request_id="r")
    encoder.feed(TEXT)
    raw = encoder.error(RateLimited("slow down", retry_after=3))
    assert b"slow down" in raw
    assert encoder.finish() == b""
    assert encoder.error(RateLimited("again")) == b""


def test_anthropic_error_before_anything_is_only_an_error_event() -> None:
    encoder = anthropic.StreamFromHub(model="m", request_id="r")
    raw = encoder.error(RateLimited("slow down"))
    [frame] = frames("anthropic", raw)
    assert frame == {
        "event": "error",
        "data": {
            "type": "error",
            "error": {"type": "rate_limit_error", "message": "slow down"},
        },
    }


def test_anthropic_never_stops_a_message_it_did_not_start() -> None:
    encoder = anthropic.StreamFromHub(model="m", request_id="r")
    raw = encoder.feed(USAGE) + encoder.finish()
    assert names("anthropic", raw) == ["message_start", "message_delta", "message_stop"]


def test_anthropic_truncated_answer_closes_with_end_turn() -> None:
    """The provider stream broke after some text: the client still gets a
    well-formed message that stops at what was received."""
    encoder = anthropic.StreamFromHub(model="m", request_id="r")
    raw = encoder.feed(TEXT) + encoder.finish()
    decoded = frames("anthropic", raw)
    assert [f["event"] for f in decoded] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert decoded[4]["data"]["delta"]["stop_reason"] == "end_turn"


def test_responses_length_finish_is_response_incomplete() -> None:
    encoder = responses.StreamFromHub(model="m", request_id="r")
    raw = encoder.feed(TEXT) + encoder.feed(expand({"finish_reason": "length"}))
    raw += encoder.feed(USAGE)
    last = frames("responses", raw)[-1]
    assert last["event"] == "response.incomplete"
    assert last["data"]["response"]["incomplete_details"] == {
        "reason": "max_output_tokens"
    }


def test_gemini_stream_from_hub_sends_tool_calls_whole_even_without_usage() -> None:
    encoder = gemini.StreamFromHub(model="m", request_id="r")
    head = {
        "index": 0,
        "id": "c1",
        "type": "function",
        "function": {"name": "f", "arguments": '{"a"'},
    }
    encoder.feed(expand({"delta": {"tool_calls": [head]}}))
    encoder.feed(
        expand(
            {"delta": {"tool_calls": [{"index": 0, "function": {"arguments": ":1}"}}]}}
        )
    )
    encoder.feed(expand({"finish_reason": "tool_calls"}))
    [frame] = frames("gemini", encoder.finish())
    [candidate] = frame["data"]["candidates"]
    assert candidate["content"]["parts"] == [
        {"functionCall": {"id": "c1", "name": "f", "args": {"a": 1}}}
    ]
    assert candidate["finishReason"] == "STOP"
