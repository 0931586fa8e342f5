"""Cache reads and 1-hour cache writes reach every client format that shows them.

Anthropic reports how many cache-write tokens were written with the 1-hour
lifetime (priced apart from 5-minute writes); the hub carries that number, an
Anthropic client gets it back, and every client sees its cache reads.
"""

from __future__ import annotations

from typing import Any

import anthropic as anthropic_sdk
import pytest

from omniroute.wire import anthropic, gemini, openai_chat, responses
from omniroute.wire.tests.golden_io import decode_wire

Json = dict[str, Any]

ANTHROPIC_USAGE = {
    "input_tokens": 10,
    "output_tokens": 5,
    "cache_creation_input_tokens": 300,
    "cache_read_input_tokens": 200,
    "cache_creation": {
        "ephemeral_5m_input_tokens": 100,
        "ephemeral_1h_input_tokens": 200,
    },
}
HUB_CACHE_DETAILS = {
    "cached_tokens": 200,
    "cache_creation_tokens": 300,
    "cache_creation_1h_tokens": 200,
}


def anthropic_answer() -> Json:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "Hi"}],
        "stop_reason": "end_turn",
        "usage": ANTHROPIC_USAGE,
    }


def anthropic_stream() -> list[Json]:
    """A provider's stream as (event data) items; usage comes at the start."""
    message = {**anthropic_answer(), "content": [], "stop_reason": None}
    message["usage"] = {**ANTHROPIC_USAGE, "output_tokens": 1}
    text_block = {"type": "text", "text": ""}
    return [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": text_block},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": "Hi"},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 5},
        },
        {"type": "message_stop"},
    ]


def hub_from_anthropic_stream() -> list[Json]:
    decoder = anthropic.StreamToHub(model="claude")
    chunks = [chunk for data in anthropic_stream() for chunk in decoder.feed(data)]
    return chunks + decoder.finish()


def test_anthropic_answers_report_one_hour_writes_in_the_hub() -> None:
    answer = anthropic.response_to_hub(anthropic_answer(), model="claude")
    assert answer["usage"]["prompt_tokens"] == 210
    assert answer["usage"]["prompt_tokens_details"] == HUB_CACHE_DETAILS
    decoder = anthropic.StreamToHub(model="claude")
    for data in anthropic_stream():
        decoder.feed(data)
    assert decoder.usage is not None
    assert decoder.usage["prompt_tokens_details"] == HUB_CACHE_DETAILS


def test_anthropic_clients_see_the_cache_write_lifetimes() -> None:
    hub_answer = anthropic.response_to_hub(anthropic_answer(), model="claude")
    body = anthropic.response_from_hub(hub_answer, model="claude")
    message = anthropic_sdk.types.Message.model_validate(body)
    assert message.usage.cache_creation is not None
    assert message.usage.cache_creation.ephemeral_1h_input_tokens == 200
    assert message.usage.cache_creation.ephemeral_5m_input_tokens == 100
    assert message.usage.cache_read_input_tokens == 200
    encoder = anthropic.StreamFromHub(model="claude", request_id="r")
    raw = b"".join(encoder.feed(c) for c in hub_from_anthropic_stream())
    frames = decode_wire(raw + encoder.finish(), ndjson=False)
    delta = next(f["data"] for f in frames if f["event"] == "message_delta")
    assert delta["usage"] == ANTHROPIC_USAGE


def test_other_clients_see_the_cache_reads() -> None:
    hub_answer = anthropic.response_to_hub(anthropic_answer(), model="claude")
    chat = openai_chat.response_from_hub(hub_answer, model="m")
    assert chat["usage"]["prompt_tokens_details"] == HUB_CACHE_DETAILS
    answer = responses.response_from_hub(hub_answer, model="m")
    assert answer["usage"]["input_tokens_details"]["cached_tokens"] == 200
    metadata = gemini.response_from_hub(hub_answer, model="m")["usageMetadata"]
    assert metadata["cachedContentTokenCount"] == 200


@pytest.mark.parametrize(
    "module", [openai_chat, responses, gemini], ids=lambda m: m.__name__
)
def test_other_clients_see_the_cache_reads_in_streams(module: Any) -> None:
    encoder = module.StreamFromHub(model="m", request_id="r")
    raw = b"".join(encoder.feed(c) for c in hub_from_anthropic_stream())
    frames = [f["data"] for f in decode_wire(raw + encoder.finish(), ndjson=False)]
    if module is openai_chat:
        usage = next(f["usage"] for f in frames if f != "[DONE]" and f.get("usage"))
        assert usage["prompt_tokens_details"] == HUB_CACHE_DETAILS
    elif module is responses:
        done = next(f for f in frames if f["type"] == "response.completed")
        assert done["response"]["usage"]["input_tokens_details"]["cached_tokens"] == 200
    else:
        assert frames[-1]["usageMetadata"]["cachedContentTokenCount"] == 200
