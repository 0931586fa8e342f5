"""The hub helpers: accumulating a stream, replaying an answer, usage, think tags."""

from __future__ import annotations

from omniroute.wire.chunks import ChunkWriter
from omniroute.wire.hub import (
    HubAccumulator,
    chunks_from_response,
    make_usage,
    normalize_usage,
    parse_arguments,
)
from omniroute.wire.reasoning import (
    ThinkTagSplitter,
    budget_for_effort,
    effort_for_budget,
    requested_budget,
)
from omniroute.wire.tests.golden_io import expand


def test_accumulator_joins_interleaved_tool_calls_by_index() -> None:
    accumulator = HubAccumulator()
    for compact in [
        {"delta": {"role": "assistant", "content": "", "reasoning_content": "Plan"}},
        {"delta": {"content": "Calling"}},
        {
            "delta": {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "a",
                        "function": {"name": "f", "arguments": '{"x'},
                    }
                ]
            }
        },
        {
            "delta": {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "b",
                        "function": {"name": "g", "arguments": "{}"},
                    }
                ]
            }
        },
        {"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '":1}'}}]}},
        {"finish_reason": "tool_calls"},
        {"usage": {"prompt_tokens": 4, "completion_tokens": 6, "total_tokens": 10}},
    ]:
        accumulator.feed(expand(compact))
    answer = accumulator.response()
    message = answer["choices"][0]["message"]
    assert message["content"] == "Calling"
    assert message["reasoning_content"] == "Plan"
    assert [
        (c["id"], c["function"]["name"], c["function"]["arguments"])
        for c in message["tool_calls"]
    ] == [
        ("a", "f", '{"x":1}'),
        ("b", "g", "{}"),
    ]
    assert answer["choices"][0]["finish_reason"] == "tool_calls"
    assert answer["usage"] == make_usage(4, 6)
    assert answer["id"] == "chatcmpl-golden"


def test_accumulator_of_an_empty_stream_is_an_empty_stop_answer() -> None:
    answer = HubAccumulator().response()
    assert answer["choices"][0] == {
        "index": 0,
        "message": {"role": "assistant", "content": ""},
        "finish_reason": "stop",
    }


def test_replaying_an_answer_as_chunks_gives_the_same_answer() -> None:
    original = {
        "id": "chatcmpl-7",
        "object": "chat.completion",
        "created": 5,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": "Hi",
                    "reasoning_content": "r",
                    "reasoning_signature": "s",
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
            }
        ],
        "usage": make_usage(1, 2, cached=1, reasoning=1),
    }
    accumulator = HubAccumulator()
    for chunk in chunks_from_response(original):
        accumulator.feed(chunk)
    assert accumulator.response() == original


def test_chunk_writer_sends_one_finish_then_one_usage() -> None:
    writer = ChunkWriter(model="m", id="x")
    chunks = writer.text("a") + writer.finish("stop") + writer.finish("length")
    chunks += writer.text("late") + writer.end() + writer.end()
    assert [c["choices"][0]["delta"] for c in chunks[:1]] == [
        {"role": "assistant", "content": "a"}
    ]
    assert [c["choices"][0]["finish_reason"] for c in chunks[1:2]] == ["stop"]
    assert len(chunks) == 3 and chunks[-1]["choices"] == []


def test_stop_with_tool_calls_is_reported_as_tool_calls() -> None:
    writer = ChunkWriter(model="m")
    _, chunks = writer.tool_start("c", "f", "{}")
    chunks += writer.finish("stop")
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_usage_normalisation_fills_missing_details() -> None:
    assert normalize_usage({"prompt_tokens": 3, "completion_tokens": 4}) == make_usage(
        3, 4
    )
    assert normalize_usage(None) is None
    assert (
        make_usage(10, 5, cached=4, cache_creation=2, reasoning=1)["total_tokens"] == 15
    )


def test_arguments_that_are_not_a_json_object_are_kept() -> None:
    assert parse_arguments('{"a": 1}') == {"a": 1}
    assert parse_arguments("") == {}
    assert parse_arguments("[1, 2]") == {"value": [1, 2]}
    assert parse_arguments("{broken") == {"arguments": "{broken"}


def test_think_tags_split_at_every_position() -> None:
    answer = "  <think>\nfirst, second</think>\n\nThe answer is <think> literally."
    for cut in range(len(answer) + 1):
        for step in (1, 3, 7):
            splitter = ThinkTagSplitter()
            pieces = [answer[:cut]] + [
                answer[i : i + step] for i in range(cut, len(answer), step)
            ]
            out = [splitter.feed(p) for p in pieces] + [splitter.flush()]
            assert "".join(r for r, _ in out) == "first, second"
            assert "".join(t for _, t in out) == "The answer is <think> literally."


def test_text_that_only_mentions_think_is_untouched() -> None:
    splitter = ThinkTagSplitter()
    out = [splitter.feed("Use <think> tags"), splitter.flush()]
    assert "".join(t for _, t in out) == "Use <think> tags"
    assert "".join(r for r, _ in out) == ""


def test_effort_and_budget_conversions() -> None:
    assert budget_for_effort("high") == 24576
    assert effort_for_budget(2000) == "medium"
    assert effort_for_budget(-1) == "medium"
    assert requested_budget({"reasoning_effort": "low"}) == 1024
    assert requested_budget({"thinking_budget": 0, "reasoning_effort": "high"}) == 0
    assert requested_budget({}) is None


def test_one_signed_thinking_block_keeps_its_signature() -> None:
    accumulator = HubAccumulator()
    for compact in [
        {"delta": {"reasoning_content": "a"}},
        {"delta": {"reasoning_signature": "sig-"}},
        {"delta": {"reasoning_signature": "1"}},
        {"delta": {"content": "x"}},
    ]:
        accumulator.feed(expand(compact))
    assert (
        accumulator.response()["choices"][0]["message"]["reasoning_signature"]
        == "sig-1"
    )


def test_several_signed_thinking_blocks_are_not_signed_as_one() -> None:
    """Interleaved thinking: concatenated signatures would be rejected by
    Anthropic on the next turn, so the answer carries none."""
    accumulator = HubAccumulator()
    for compact in [
        {"delta": {"reasoning_content": "a"}},
        {"delta": {"reasoning_signature": "s1"}},
        {"delta": {"content": "x"}},
        {"delta": {"reasoning_content": "b"}},
        {"delta": {"reasoning_signature": "s2"}},
    ]:
        accumulator.feed(expand(compact))
    message = accumulator.response()["choices"][0]["message"]
    assert message["reasoning_content"] == "ab"
    assert "reasoning_signature" not in message
