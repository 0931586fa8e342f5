"""A third-party server as the upstream: LiteLLM's proxy in mock mode.

Our simulator agrees with our own reading of the wire formats; LiteLLM's
proxy is someone else's. It is registered the way Claude Code users write
it, ``ANTHROPIC_BASE_URL=http://127.0.0.1:<port>`` without ``/v1``, and must
answer through both the Anthropic and the OpenAI endpoints of the gateway.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest

from bench.peers import ensure_litellm
from omniroute.stack import Stack, StackConfig, free_port, http_ok, wait_until

# The first run installs LiteLLM into its own venv (a minute or two on a busy
# machine): more than the default per-test timeout.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

MODEL = "claude-haiku-4-5-20251001"  # one of the anthropic preset's models
MASTER_KEY = "sk-litellm-mock-8d2f1a9c4e7b"
MOCK_ANSWER = "Hello from LiteLLM"


@pytest.fixture(scope="module")
def litellm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = ensure_litellm()  # its own venv, installed once and kept
    folder = tmp_path_factory.mktemp("litellm")
    config = folder / "litellm.yaml"
    config.write_text(
        f"""model_list:
  - model_name: {MODEL}
    litellm_params:
      model: anthropic/{MODEL}
      api_key: sk-ant-never-used
      mock_response: "{MOCK_ANSWER}"
litellm_settings:
  telemetry: false
general_settings:
  master_key: {MASTER_KEY}
"""
    )
    port = free_port()
    with (folder / "litellm.log").open("wb") as log:
        process = subprocess.Popen(
            [str(binary), "--config", str(config), "--port", str(port)],
            env={**os.environ, "LITELLM_LOG": "ERROR"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http_ok(url + "/health/liveliness"), 180, "LiteLLM proxy")
        yield url
    finally:
        process.terminate()
        process.wait(20)


@pytest.fixture(scope="module")
def litellm_stack(
    litellm_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    config = StackConfig.on_free_ports(
        tmp_path_factory.mktemp("litellm-stack"),
        simulator=False,
        env={"ANTHROPIC_BASE_URL": litellm_url, "ANTHROPIC_API_KEY": MASTER_KEY},
    )
    stack = Stack(config).start()
    try:
        yield stack
    finally:
        stack.stop()


def test_the_provider_url_is_stored_with_its_version(litellm_stack: Stack) -> None:
    with httpx.Client(base_url=litellm_stack.edge_url) as http:
        listed = http.get(
            "/api/providers/anthropic",
            headers={"Authorization": f"Bearer {litellm_stack.admin_key}"},
        )
    assert listed.status_code == 200, listed.text
    assert listed.json()["base_url"].endswith("/v1")


def test_anthropic_clients_reach_litellm(litellm_stack: Stack) -> None:
    client = anthropic.Anthropic(
        base_url=litellm_stack.edge_url, api_key=litellm_stack.api_key
    )
    answer = client.messages.create(
        model=f"anthropic/{MODEL}",
        max_tokens=32,
        messages=[{"role": "user", "content": "hi"}],
    )
    assert answer.content[0].text == MOCK_ANSWER  # type: ignore[union-attr]
    assert answer.stop_reason == "end_turn"


def test_openai_clients_reach_litellm_through_translation(
    litellm_stack: Stack,
) -> None:
    client = openai.OpenAI(
        base_url=litellm_stack.edge_url + "/v1", api_key=litellm_stack.api_key
    )
    raw = client.chat.completions.with_raw_response.create(
        model=f"anthropic/{MODEL}", messages=[{"role": "user", "content": "hi"}]
    )
    completion = raw.parse()
    assert completion.choices[0].message.content == MOCK_ANSWER
    assert completion.choices[0].finish_reason == "stop"
    assert raw.headers["x-omniroute-provider"] == "anthropic"
