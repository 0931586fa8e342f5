"""Billing an abandoned stream from what was relayed (``relayed_usage.py``)."""

from __future__ import annotations

import orjson

from services.edge.relayed_usage import RelayedText
from services.edge.token_count import encoding


def _tokens(text: str) -> int:
    return len(encoding().encode(text))


def test_hub_chunks_are_counted_by_their_text_and_tool_arguments() -> None:
    relayed = RelayedText()
    relayed.feed(
        [
            orjson.dumps({"choices": [{"delta": {"role": "assistant"}}]}),
            orjson.dumps({"choices": [{"delta": {"content": "Hello there"}}]}),
            orjson.dumps(
                {
                    "choices": [
                        {
                            "delta": {
                                "tool_calls": [
                                    {"index": 0, "function": {"arguments": '{"q": 1}'}}
                                ]
                            }
                        }
                    ]
                }
            ),
        ]
    )
    usage = relayed.usage(prompt_estimate=12)
    assert usage.prompt_tokens == 12
    assert usage.completion_tokens == _tokens('Hello there{"q": 1}')
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_provider_frames_give_their_own_prompt_count() -> None:
    relayed = RelayedText()
    relayed.feed(
        [
            b"event: message_start\ndata: "
            + orjson.dumps(
                {"type": "message_start", "message": {"usage": {"input_tokens": 321}}}
            )
            + b"\n\n",
            b"event: content_block_delta\ndata: "
            + orjson.dumps(
                {"type": "content_block_delta", "delta": {"text": "partial answer"}}
            )
            + b"\n\n",
            b"event: ping\ndata: not json\n\n",
        ]
    )
    usage = relayed.usage(prompt_estimate=10)
    assert usage.prompt_tokens == 321
    assert usage.completion_tokens == _tokens("partial answer")


def test_nothing_relayed_bills_the_prompt_only() -> None:
    usage = RelayedText().usage(prompt_estimate=7)
    assert (usage.prompt_tokens, usage.completion_tokens) == (7, 0)
