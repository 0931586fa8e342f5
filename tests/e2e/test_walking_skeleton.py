"""Issue 2 acceptance: the five services on real Redis and gRPC, OpenAI end to end."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import openai
import pytest

from omniroute.stack import Stack
from tests.helpers import Simulator, admin_client, poll_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(stack: Stack) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=stack.edge_url + "/v1", api_key=stack.api_key, max_retries=0
    ) as sdk:
        yield sdk


def _usage_rows(stack: Stack) -> list[dict[str, object]]:
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        response = admin.get("/api/usage/logs", params={"limit": 1000})
        response.raise_for_status()
        return list(response.json()["entries"])


def test_non_streaming_answer_equals_the_simulators(
    stack: Stack, client: openai.OpenAI, sim: Simulator
) -> None:
    messages = [{"role": "user", "content": "What is a walking skeleton?"}]
    through_gateway = client.chat.completions.create(
        model="demo/gpt-4o-mini",
        messages=messages,  # type: ignore[arg-type]
    )
    with openai.OpenAI(
        base_url=stack.simulator_url + "/v1", api_key="sk-demo"
    ) as direct:
        from_simulator = direct.chat.completions.create(
            model="gpt-4o-mini",
            messages=messages,  # type: ignore[arg-type]
        )
    assert (
        through_gateway.choices[0].message.content
        == "Echo: What is a walking skeleton?"
    )
    assert through_gateway.choices[0].message == from_simulator.choices[0].message
    assert (
        through_gateway.choices[0].finish_reason
        == from_simulator.choices[0].finish_reason
    )
    assert through_gateway.usage == from_simulator.usage
    assert through_gateway.model == from_simulator.model


def test_streaming_chunks_arrive_incrementally(
    stack: Stack, client: openai.OpenAI, sim: Simulator
) -> None:
    words = " ".join(f"w{i}" for i in range(30))
    sim.fault(model="gpt-4o-mini", chunk_delay_ms=50)
    started = time.monotonic()
    arrivals: list[float] = []
    text = ""
    usage = None
    stream = client.chat.completions.create(
        model="demo/gpt-4o-mini",
        messages=[{"role": "user", "content": words}],
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        arrivals.append(time.monotonic() - started)
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
        if chunk.usage:
            usage = chunk.usage
    assert text == "Echo: " + words
    # ~31 chunks 50 ms apart: the first must reach us long before the last
    # was even produced by the simulator.
    assert arrivals[-1] > 1.0
    assert arrivals[0] < arrivals[-1] - 1.0
    assert usage is not None and usage.completion_tokens > 0


def test_usage_reaches_the_admin_database(
    stack: Stack, client: openai.OpenAI, sim: Simulator
) -> None:
    response = client.chat.completions.with_raw_response.create(
        model="demo/gpt-4o-mini", messages=[{"role": "user", "content": "count me"}]
    )
    request_id = response.headers["x-request-id"]
    answer = response.parse()
    row = poll_until(
        lambda: next(
            (r for r in _usage_rows(stack) if r["request_id"] == request_id), None
        )
    )
    assert row["provider"] == "demo"
    assert row["status"] == 200
    assert answer.usage is not None
    assert row["prompt_tokens"] == answer.usage.prompt_tokens
    assert row["completion_tokens"] == answer.usage.completion_tokens


def test_missing_or_wrong_key_is_401(stack: Stack) -> None:
    for key in ("", "sk-wrong"):
        headers = {"Authorization": ""} if not key else {}
        with (
            openai.OpenAI(
                base_url=stack.edge_url + "/v1", api_key=key or "x", max_retries=0
            ) as client,
            pytest.raises(openai.AuthenticationError) as err,
        ):
            client.chat.completions.create(
                model="demo/gpt-4o-mini",
                messages=[{"role": "user", "content": "hi"}],
                extra_headers=headers,
            )
        assert err.value.status_code == 401
        assert err.value.body["type"] == "authentication_error"  # type: ignore[index]


def test_bad_requests_get_openai_shaped_errors(
    stack: Stack, client: openai.OpenAI
) -> None:
    headers = {
        "Authorization": f"Bearer {stack.api_key}",
        "Content-Type": "application/json",
    }
    with httpx.Client(base_url=stack.edge_url) as http:
        malformed = http.post(
            "/v1/chat/completions", content=b'{"model": "x",', headers=headers
        )
        assert malformed.status_code == 400
        assert "not valid JSON" in malformed.json()["error"]["message"]
        oversized = http.post(
            "/v1/chat/completions", content=b"x" * (33 * 1024 * 1024), headers=headers
        )
        assert oversized.status_code == 413
        assert oversized.json()["error"]["type"] == "invalid_request_error"
    with pytest.raises(openai.NotFoundError) as unknown:
        client.chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "hi"}]
        )
    assert "no-such-model" in unknown.value.body["message"]  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as empty:
        client.chat.completions.create(model="demo/gpt-4o-mini", messages=[])
    assert "messages" in empty.value.body["message"]  # type: ignore[index]


def test_provider_500_is_a_502_with_the_providers_message(
    client: openai.OpenAI, sim: Simulator
) -> None:
    sim.fault(model="gpt-4o-mini", status=500, message="the simulated GPU caught fire")
    with pytest.raises(openai.APIStatusError) as err:
        client.chat.completions.create(
            model="demo/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    assert err.value.status_code == 502
    assert "the simulated GPU caught fire" in err.value.body["message"]  # type: ignore[index]
    assert "Traceback" not in str(err.value.body)


def test_models_lists_the_demo_provider(client: openai.OpenAI) -> None:
    ids = {model.id for model in client.models.list()}
    assert "demo/gpt-4o-mini" in ids
