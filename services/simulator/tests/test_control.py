"""The call log, credentials, ``--require-key``, ``--fast`` and the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from services.simulator.harness import REPO_ROOT, SimControl, SimulatorProcess

CHAT = {"model": "sim-echo", "messages": [{"role": "user", "content": "hi"}]}


def test_port_zero_prints_the_bound_url_first() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "services.simulator", "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.fullmatch(
            r"simulator listening on http://127\.0\.0\.1:(\d+)\n", line
        )
        assert found is not None
        assert int(found.group(1)) > 0
        health = httpx.get(line.split()[-1] + "/_sim/health")
        assert health.json() == {"status": "ok"}
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        process.stdout.close()


def test_calls_are_counted_by_key_model_and_path(url: str, control: SimControl) -> None:
    httpx.post(
        url + "/v1/chat/completions",
        json=CHAT,
        headers={"Authorization": "Bearer sk-1"},
    )
    httpx.post(
        url + "/v1/messages",
        json={**CHAT, "max_tokens": 5},
        headers={"x-api-key": "ak-2", "anthropic-version": "2023-06-01"},
    )
    httpx.post(
        url + "/v1beta/models/g:generateContent",
        json={"contents": []},
        headers={"x-goog-api-key": "gk-3"},
    )
    httpx.post(url + "/v1beta/models/g:generateContent?key=gk-4", json={"contents": []})
    httpx.post(
        url + "/v1/listen", content=b"RIFF", headers={"Authorization": "Token dg-5"}
    )
    httpx.post(url + "/v2/upload", content=b"ID3", headers={"Authorization": "aai-6"})
    calls = control.calls()
    assert calls["total"] == 6
    assert calls["by_key"] == {
        k: 1 for k in ("sk-1", "ak-2", "gk-3", "gk-4", "dg-5", "aai-6")
    }
    assert calls["by_model"]["sim-echo"] == 2
    assert calls["by_model"]["g"] == 2
    assert calls["by_path"]["/v1/chat/completions"] == 1
    first = calls["recent"][0]
    assert first["key"] == "sk-1"
    assert first["body"] == CHAT
    assert first["headers"]["Authorization"] == "[redacted]"
    assert calls["recent"][2]["headers"]["x-goog-api-key"] == "[redacted]"
    control.reset_calls()
    assert control.calls()["total"] == 0


@pytest.fixture(scope="module")
def guarded() -> Iterator[SimControl]:
    with SimulatorProcess("--require-key", "good", "--require-key", "also-good") as sim:
        yield SimControl(sim.url)


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/v1/chat/completions", CHAT, {"error": {"code": "invalid_api_key"}}),
        (
            "/v1/messages",
            CHAT,
            {"type": "error", "error": {"type": "authentication_error"}},
        ),
        (
            "/v1beta/models/g:generateContent",
            {},
            {"error": {"status": "UNAUTHENTICATED"}},
        ),
        ("/api/chat", CHAT, {"error": None}),
        ("/v1/listen", {}, {"err_code": "INVALID_AUTH"}),
        ("/v2/transcript", {}, {"error": None}),
    ],
)
def test_require_key_rejects_unknown_keys_in_each_shape(
    guarded: SimControl, path: str, body: dict[str, object], expected: dict[str, object]
) -> None:
    reply = httpx.post(guarded.base_url + path, json=body, headers={"x-api-key": "bad"})
    assert reply.status_code == 401
    payload = reply.json()
    for key, value in expected.items():
        assert key in payload
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                assert payload[key][inner] == inner_value
    accepted = httpx.post(
        guarded.base_url + "/v1/chat/completions",
        json=CHAT,
        headers={"Authorization": "Bearer also-good"},
    )
    assert accepted.status_code == 200


def test_fast_mode_answers_precomputed_chat() -> None:
    with SimulatorProcess("--fast", "--chunk-delay-ms", "0") as sim:
        control = SimControl(sim.url)
        reply = httpx.post(sim.url + "/v1/chat/completions", json=CHAT).json()
        assert reply["choices"][0]["message"]["content"] == "Echo: fast"
        stream = httpx.post(
            sim.url + "/v1/chat/completions", json={**CHAT, "stream": True}
        )
        assert stream.content.endswith(b"data: [DONE]\n\n")
        assert b'"content":" hi"' in stream.content
        calls = control.calls()
        assert (calls["total"], calls["fast"]) == (2, 1)
        control.add_faults({"times": 1, "status": 503})
        faulted = httpx.post(sim.url + "/v1/chat/completions", json=CHAT)
        assert faulted.status_code == 503
