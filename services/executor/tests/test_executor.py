"""The executor as an edge sees it: a dispatch in, its replies out."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from omniroute.common.v1 import common_pb2
from services.executor.tests.conftest import Executor, Simulator, target

# The simulator keeps per-request state under string keys, which aiohttp
# warns about once per key and process (it prefers web.RequestKey); run
# in-process, that warning would turn into the simulator's 500 here.
pytestmark = pytest.mark.filterwarnings(
    "ignore::aiohttp.web_exceptions.NotAppKeyWarning"
)

ANTHROPIC = common_pb2.API_FORMAT_ANTHROPIC_MESSAGES


def chat(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


async def test_a_plain_answer_comes_back_whole_and_the_dispatch_is_acked(
    executor: Executor,
) -> None:
    answer = await executor.ask([target("primary")], chat("hello"))

    started = answer.started
    assert (started.provider_id, started.account_id) == ("primary", "main")
    assert (started.fallbacks, started.passthrough) == (0, False)
    body = orjson.loads(answer.done.body)
    assert body["choices"][0]["message"]["content"] == "Echo: hello"
    assert answer.done.usage.prompt_tokens > 0
    assert answer.done.upstream_latency_ms > 0
    assert await executor.unacknowledged() == 0


async def test_a_stream_comes_back_as_hub_chunks_then_done(
    executor: Executor,
) -> None:
    answer = await executor.ask([target("primary")], chat("hi there", stream=True))

    chunks = [orjson.loads(item) for item in answer.items]
    text = "".join(
        choice["delta"].get("content") or ""
        for chunk in chunks
        for choice in chunk["choices"]
    )
    assert text == "Echo: hi there"
    assert answer.done.body == b""
    assert answer.done.finish_reason == "stop"
    assert answer.done.ttft_ms <= answer.done.upstream_latency_ms
    assert answer.replies[0].WhichOneof("kind") == "started"


async def test_a_server_error_falls_back_to_the_next_target(
    executor: Executor, simulator: Simulator
) -> None:
    simulator.fault(match={"key": "sk-primary"}, status=500, message="boom")

    answer = await executor.ask([target("primary"), target("backup")], chat("hi"))

    assert (answer.started.provider_id, answer.started.fallbacks) == ("backup", 1)
    assert orjson.loads(answer.done.body)["choices"][0]["message"]["content"] == (
        "Echo: hi"
    )
    assert [call["key"] for call in simulator.calls()] == ["sk-primary", "sk-backup"]


async def test_a_client_error_goes_back_without_trying_another_target(
    executor: Executor, simulator: Simulator
) -> None:
    simulator.fault(
        match={"key": "sk-primary"}, status=400, message="temperature: must be <= 2"
    )

    answer = await executor.ask([target("primary"), target("backup")], chat("hi"))

    failure = answer.failure
    assert failure.status == 400
    assert failure.provider_id == "primary"
    assert "temperature: must be <= 2" in failure.message
    assert not failure.mid_stream
    assert [call["key"] for call in simulator.calls()] == ["sk-primary"]
    assert await executor.unacknowledged() == 0


def anthropic_body(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


async def test_same_format_pass_through_forwards_the_clients_own_body(
    executor: Executor, simulator: Simulator
) -> None:
    client = anthropic_body("hi", metadata={"user_id": "u-7"}, top_k=3)

    answer = await executor.ask(
        [target("claude", "claude-haiku")],
        chat("hi"),
        client_format=ANTHROPIC,
        client_body=orjson.dumps(client),
        client_body_forwardable=True,
    )

    assert answer.started.passthrough
    body = orjson.loads(answer.done.body)  # Anthropic's own answer, untranslated
    assert body["type"] == "message"
    assert body["content"][0]["text"] == "Echo: hi"
    [call] = simulator.calls()
    assert call["body"] == {**client, "model": "claude-haiku", "stream": False}


async def test_a_body_the_edge_may_not_forward_is_translated_from_the_hub(
    executor: Executor, simulator: Simulator
) -> None:
    client = anthropic_body("hi", metadata={"user_id": "u-7"})

    answer = await executor.ask(
        [target("claude", "claude-haiku")],
        chat("hi"),
        client_format=ANTHROPIC,
        client_body=orjson.dumps(client),
        client_body_forwardable=False,
    )

    assert not answer.started.passthrough
    body = orjson.loads(answer.done.body)  # the hub's shape
    assert body["choices"][0]["message"]["content"] == "Echo: hi"
    [call] = simulator.calls()
    assert "metadata" not in call["body"]


async def test_a_stream_that_breaks_off_after_chunks_ends_with_an_error(
    executor: Executor, simulator: Simulator
) -> None:
    simulator.fault(match={"key": "sk-primary"}, truncate_after_chunks=2)

    answer = await executor.ask(
        [target("primary"), target("backup")], chat("one two three four", stream=True)
    )

    assert answer.items  # the client saw part of the answer
    failure = answer.failure
    assert (failure.status, failure.mid_stream) == (502, True)
    assert "the answer is incomplete" in failure.message
    # Replaying another provider after half an answer would corrupt it.
    assert [call["key"] for call in simulator.calls()] == ["sk-primary"]
