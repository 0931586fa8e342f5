"""Bad input is a clear 400 in the client's own format, never a 500: each
of these reached a 500 before (issue 20). In-process edge and executor."""

from __future__ import annotations

import pytest

from services.edge.tests.conftest import Edge


def _nested(depth: int) -> str:
    """JSON nested ``depth`` objects deep (serialisers stop well before)."""
    return '{"x":' * depth + '"deep"' + "}" * depth


@pytest.mark.parametrize(
    ("path", "body", "shape"),
    [
        (
            "/v1/chat/completions",
            '{"model": "gpt-4o-mini", "messages": [], "metadata": '
            + _nested(1000)
            + "}",
            "openai",
        ),
        (
            "/v1/messages",
            f'{{"model": "claude-x", "max_tokens": 5, "metadata": {_nested(300)}, '
            '"messages": [{"role": "user", "content": "hi"}]}',
            "anthropic",
        ),
    ],
)
async def test_a_body_nested_too_deep_is_a_400(
    edge: Edge, path: str, body: str, shape: str
) -> None:
    response = await edge.http.post(
        path, content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    if shape == "anthropic":
        assert response.json()["type"] == "error"
    assert "nests deeper than" in error["message"]
    assert edge.simulator.calls() == []


async def test_stream_options_that_are_not_an_object_are_a_400(edge: Edge) -> None:
    response = await edge.http.post(
        "/v1/chat/completions",
        json={
            "model": "gpt-4o-mini",
            "stream": True,
            "stream_options": "include_usage",
            "messages": [{"role": "user", "content": "hi"}],
        },
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "stream_options"
