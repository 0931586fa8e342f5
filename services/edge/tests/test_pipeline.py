"""The edge's logic in-process (see conftest.py): the gate, dispatch and
relay through a real executor worker, same-format pass-through, admission.
Fast enough for ``make test-fast``; the multi-process suites prove the same
across real processes."""

from __future__ import annotations

import orjson
import pytest

from omniroute.common.v1 import config_pb2
from services.edge.tests.conftest import Edge

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def test_a_chat_request_is_dispatched_and_answered(edge: Edge) -> None:
    response = await edge.http.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "Echo: hi"
    assert response.headers["x-omniroute-provider"] == "primary"
    assert response.headers["x-request-id"].startswith("req_")


async def test_a_stream_is_relayed_in_the_clients_format(edge: Edge) -> None:
    body = {**CHAT, "messages": [{"role": "user", "content": "one two three"}]}
    response = await edge.http.post(
        "/v1/chat/completions", json={**body, "stream": True}
    )
    assert response.status_code == 200
    frames = [f for f in response.text.split("\n\n") if f]
    assert frames[-1] == "data: [DONE]"
    pieces = [
        orjson.loads(f.removeprefix("data: "))["choices"][0]["delta"].get("content")
        for f in frames[:-1]
    ]
    assert "".join(p for p in pieces if p) == "Echo: one two three"


async def test_an_anthropic_client_on_an_anthropic_provider_passes_through(
    edge: Edge,
) -> None:
    body = {
        "model": "claude-x",
        "max_tokens": 32,
        "messages": [
            {"role": "user", "content": "hello"},
            {"role": "system", "content": "Agents: general-purpose."},
        ],
        "metadata": {"user_id": "u-1"},
    }
    response = await edge.http.post("/v1/messages", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["content"][0]["text"] == "Echo: hello"
    upstream = edge.simulator.calls()[-1]
    assert upstream["path"] == "/v1/messages"
    # The client's own body, but for the provider's model name.
    assert upstream["body"]["messages"] == body["messages"]
    assert upstream["body"]["metadata"] == {"user_id": "u-1"}


async def test_an_openai_client_on_an_anthropic_provider_is_translated(
    edge: Edge,
) -> None:
    response = await edge.http.post(
        "/v1/chat/completions", json={**CHAT, "model": "claude-x"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "chat.completion"
    upstream = edge.simulator.calls()[-1]
    assert upstream["path"] == "/v1/messages"
    assert upstream["body"]["max_tokens"] > 0  # Anthropic's required field


async def test_the_gate_refuses_a_missing_key_in_the_clients_shape(
    edge: Edge,
) -> None:
    response = await edge.http.post(
        "/v1/messages", json={}, headers={"Authorization": ""}
    )
    assert response.status_code == 401
    assert response.json()["type"] == "error"
    assert edge.simulator.calls() == []


async def test_an_unknown_model_is_a_404_before_any_dispatch(edge: Edge) -> None:
    response = await edge.http.post(
        "/v1/chat/completions", json={**CHAT, "model": "nope"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"
    assert edge.simulator.calls() == []


class TestAdmission:
    @pytest.fixture
    def configure(self) -> object:
        def limit(snapshot: config_pb2.ConfigSnapshot) -> None:
            snapshot.api_keys[0].rpm_limit = 2

        return limit

    async def test_the_keys_rate_limit_is_a_429_with_retry_after(
        self, edge: Edge
    ) -> None:
        statuses = [
            (await edge.http.post("/v1/chat/completions", json=CHAT)).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        limited = await edge.http.post("/v1/chat/completions", json=CHAT)
        assert int(limited.headers["retry-after"]) >= 1
        assert "2 requests per minute" in limited.json()["error"]["message"]
        assert len(edge.simulator.calls()) == 2


class TestIPFilter:
    @pytest.fixture
    def configure(self) -> object:
        def block(snapshot: config_pb2.ConfigSnapshot) -> None:
            ip_filter = snapshot.settings.ip_filter
            ip_filter.enabled = True
            ip_filter.mode = "blacklist"
            ip_filter.blacklist.append("127.0.0.1/32")  # the ASGI client's address

        return block

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", "/v1/chat/completions"),
            ("POST", "/v1/messages/count_tokens"),
            ("GET", "/v1/models"),
            ("GET", "/api/tags"),
            ("GET", "/v1beta/models"),
        ],
    )
    async def test_a_blocked_address_is_refused_everywhere(
        self, edge: Edge, method: str, path: str
    ) -> None:
        response = await edge.http.request(
            method, path, json=CHAT if method == "POST" else None
        )
        assert response.status_code == 403, response.text
        assert edge.simulator.calls() == []
