"""Responses ``previous_response_id`` through the running stack, with the
official ``openai`` SDK: the gateway keeps the conversation, whatever
provider answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.e2e.test_formats import TOOL as LOOKUP
from tests.helpers import Simulator, admin_client, poll_until

pytestmark = pytest.mark.e2e

TOOL = {"type": "function", **LOOKUP}  # the Responses API's flat tool shape


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("responses-state"))
    try:
        with admin_client(running.edge_url, running.admin_key) as admin:
            for provider_id, kind in (
                ("simant", "anthropic"),
                ("simresp", "openai-responses"),
            ):
                created = admin.post(
                    "/api/providers",
                    json={
                        "id": provider_id,
                        "kind": kind,
                        "base_url": running.simulator_url + "/v1",
                        "api_key": f"sk-{provider_id}",
                        "models": [f"{provider_id}-model"],
                    },
                )
                assert created.status_code == 201, created.text
        with _client(running) as client:
            poll_until(
                lambda: (
                    "simresp/simresp-model" in {m.id for m in client.models.list().data}
                )
            )
        yield running
    finally:
        running.stop()


def _client(stack: Stack, key: str = "") -> openai.OpenAI:
    return openai.OpenAI(
        base_url=stack.edge_url + "/v1", api_key=key or stack.api_key, max_retries=0
    )


def _upstream_body(sim: Simulator) -> dict[str, Any]:
    return dict(sim.calls()["recent"][-1]["body"])


def _texts(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(role, text) of Anthropic messages as the simulator received them."""
    out = []
    for message in messages:
        content = message["content"]
        if isinstance(content, list):
            content = "".join(b.get("text", "") for b in content)
        out.append((message["role"], content))
    return out


def test_a_response_is_continued_by_its_id_alone(stack: Stack, sim: Simulator) -> None:
    with _client(stack) as client:
        first = client.responses.create(
            model="simant/simant-model",
            instructions="Answer briefly.",
            input="My name is Ada",
        )
        second = client.responses.create(
            model="simant/simant-model",
            input="What is my name?",
            previous_response_id=first.id,
        )
        upstream = _upstream_body(sim)
        third = client.responses.create(
            model="simant/simant-model",
            input="And again?",
            previous_response_id=second.id,
        )
    assert first.id.startswith("resp_req_") and second.id != first.id
    assert second.output_text == "Echo: What is my name?"
    # Instructions belong to their own request; they are not carried over.
    assert "system" not in upstream
    assert _texts(upstream["messages"]) == [
        ("user", "My name is Ada"),
        ("assistant", "Echo: My name is Ada"),
        ("user", "What is my name?"),
    ]
    assert len(_upstream_body(sim)["messages"]) == 5
    assert third.output_text == "Echo: And again?"


def test_a_streamed_response_can_be_continued_the_moment_it_ends(
    stack: Stack, sim: Simulator
) -> None:
    with _client(stack) as client:
        for _ in range(5):  # the turn is kept before the client sees the end
            with client.responses.create(
                model="simant/simant-model", input="Remember 42", stream=True
            ) as events:
                completed = [e for e in events if e.type == "response.completed"]
            streamed = completed[0].response
            follow = client.responses.create(
                model="simant/simant-model",
                input="What did I say?",
                previous_response_id=streamed.id,
            )
            assert follow.output_text == "Echo: What did I say?"
            assert _texts(_upstream_body(sim)["messages"])[:2] == [
                ("user", "Remember 42"),
                ("assistant", "Echo: Remember 42"),
            ]


def test_a_tool_result_continues_the_turn_that_called_the_tool(
    stack: Stack, sim: Simulator
) -> None:
    with _client(stack) as client:
        called = client.responses.create(
            model="simant/simant-model",
            input="call lookup the weather",
            tools=[TOOL],  # type: ignore[list-item]
        )
        call = next(item for item in called.output if item.type == "function_call")
        answered = client.responses.create(
            model="simant/simant-model",
            previous_response_id=called.id,
            input=[
                {
                    "type": "function_call_output",
                    "call_id": call.call_id,
                    "output": "sunny",
                }
            ],
            tools=[TOOL],  # type: ignore[list-item]
        )
    assert answered.status == "completed"
    messages = _upstream_body(sim)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    tool_use = next(b for b in messages[1]["content"] if b["type"] == "tool_use")
    tool_result = messages[2]["content"][0]
    assert tool_use["name"] == "lookup" and tool_use["id"] == call.call_id
    assert tool_result["type"] == "tool_result"
    assert tool_result["tool_use_id"] == call.call_id


def test_what_cannot_be_continued_is_a_404_that_says_why(stack: Stack) -> None:
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        other_key = admin.post("/api/keys", json={"name": "other"}).json()["key"]
    with _client(stack) as client:
        unstored = client.responses.create(
            model="simant/simant-model", input="forget me", store=False
        )
        kept = client.responses.create(model="simant/simant-model", input="keep me")
        for missing in (unstored.id, "resp_req_000000000000000000000000"):
            with pytest.raises(openai.NotFoundError) as refused:
                client.responses.create(
                    model="simant/simant-model",
                    input="again",
                    previous_response_id=missing,
                )
            error = refused.value.body
            assert isinstance(error, dict)
            assert error["code"] == "previous_response_not_found"
            assert error["param"] == "previous_response_id"
            assert missing in error["message"] and "store" in error["message"]
    # Another key's conversation is not there for this one.
    with _client(stack, other_key) as other:
        poll_until(
            lambda: other.models.list() is not None, timeout=5
        )  # the new key has reached the edge
        with pytest.raises(openai.NotFoundError):
            other.responses.create(
                model="simant/simant-model", input="peek", previous_response_id=kept.id
            )


def test_a_providers_own_response_id_goes_to_that_provider(
    stack: Stack, sim: Simulator
) -> None:
    """Same-format pass-through answers carry the provider's ids; continuing
    one is the provider's business."""
    with _client(stack) as client:
        first = client.responses.create(model="simresp/simresp-model", input="hello")
        client.responses.create(
            model="simresp/simresp-model",
            input="again",
            previous_response_id=first.id,
        )
    assert not first.id.startswith("resp_req_")
    upstream = _upstream_body(sim)
    assert upstream["previous_response_id"] == first.id
    assert upstream["input"] == "again"
