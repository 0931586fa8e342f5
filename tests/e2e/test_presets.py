"""The built-in provider presets through the running stack: each kind,
registered with its base URL pointed at the simulator, answers by its id and
its aliases, with the credential sent the way that provider expects."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from omniroute.presets import PRESETS, AuthStyle
from omniroute.stack import Stack
from omniroute.wire.formats import WireFormat
from tests.conftest import start_stack
from tests.helpers import Simulator, admin_client, poll_until

pytestmark = pytest.mark.e2e

# The providers the gateway must know by name (issue 3), by their kind.
NAMED = (
    "openai",
    "openrouter",
    "groq",
    "together",
    "fireworks",
    "mistral",
    "deepseek",
    "xai",
    "nebius",
    "nvidia",
    "cerebras",
    "github-models",
    "ollama",
    "lm-studio",
    "vllm",
    "llama-cpp",
    "anthropic",
    "gemini",
    "openai-responses",
)
CHAT_KINDS = [
    kind
    for kind, preset in PRESETS.items()
    if kind not in ("deepgram", "assemblyai", "local")
]
# Where each format's API lives on the simulator.
SIM_PATH = {
    WireFormat.OPENAI_CHAT: "/v1",
    WireFormat.RESPONSES: "/v1",
    WireFormat.ANTHROPIC: "/v1",
    WireFormat.GEMINI: "/v1beta",
    WireFormat.OLLAMA: "",
}


def test_every_named_provider_has_a_preset() -> None:
    assert set(NAMED) <= set(PRESETS)
    for kind in NAMED:
        preset = PRESETS[kind]
        assert preset.base_url.startswith(("https://", "http://127.0.0.1:"))
        if preset.base_url.startswith("http://127.0.0.1:"):
            assert not preset.key_required, kind  # local servers need no key
    assert "cc" in PRESETS["anthropic"].aliases


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("presets"))
    try:
        with admin_client(running.edge_url, running.admin_key) as admin:
            for kind in CHAT_KINDS:
                preset = PRESETS[kind]
                created = admin.post(
                    "/api/providers",
                    json={
                        "id": f"p-{kind}",
                        "kind": kind,
                        "base_url": running.simulator_url + SIM_PATH[preset.format],
                        "api_key": f"sk-{kind}",
                        "models": ["sim-echo"],
                        # The preset's aliases, kept apart from other tests' ids.
                        "aliases": [f"a-{alias}" for alias in preset.aliases],
                    },
                )
                assert created.status_code == 201, created.text
        with _client(running) as client:
            poll_until(
                lambda: (
                    f"p-{CHAT_KINDS[-1]}/sim-echo"
                    in {m.id for m in client.models.list().data}
                )
            )
        yield running
    finally:
        running.stop()


def _client(stack: Stack) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=stack.edge_url + "/v1", api_key=stack.api_key, max_retries=0
    )


@pytest.mark.parametrize("kind", CHAT_KINDS)
def test_each_kind_answers_with_its_own_credential_style(
    stack: Stack, kind: str
) -> None:
    preset = PRESETS[kind]
    sim = Simulator(stack.simulator_url)
    sim.clear()
    try:
        prefixes = [f"p-{kind}", *(f"a-{alias}" for alias in preset.aliases)]
        with _client(stack) as client:
            for prefix in prefixes:
                answer = client.chat.completions.create(
                    model=f"{prefix}/sim-echo",
                    messages=[{"role": "user", "content": f"hello {kind}"}],
                )
                assert answer.choices[0].message.content == f"Echo: hello {kind}"
        calls = sim.calls()["recent"]
        assert len(calls) == len(prefixes)
        for call in calls:
            credential = None if preset.auth is AuthStyle.NONE else f"sk-{kind}"
            assert call["key"] == credential, call
            for name, value in preset.headers.items():
                assert (
                    call["headers"].get(name) == value
                    or call["headers"].get(name.lower()) == value
                ), (name, call["headers"])
    finally:
        sim.clear()
        sim.http.close()


def test_hosted_apis_get_only_openai_fields_and_local_servers_get_all(
    stack: Stack,
) -> None:
    sim = Simulator(stack.simulator_url)
    sim.clear()
    try:
        with _client(stack) as client:
            for kind in ("groq", "vllm"):
                client.chat.completions.create(
                    model=f"p-{kind}/sim-echo",
                    messages=[{"role": "user", "content": "hi"}],
                    extra_body={"top_k": 5},
                )
        hosted, local = (call["body"] for call in sim.calls()["recent"])
        assert "top_k" not in hosted
        assert local["top_k"] == 5
    finally:
        sim.clear()
        sim.http.close()
