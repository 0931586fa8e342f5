"""The ``llm`` CLI with the llm-ollama plug-in. llm-ollama talks to an Ollama
host and cannot send an auth header, so its host is the gateway's key-scoped
base URL ``<edge>/key/<api key>``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.clients.harness import Finished, Gateway, Scripts, client_env, run_process
from tests.clients.install import Clients

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

LOOKUP = """\
def lookup(query: str) -> str:
    "Looks a word up."
    return "found " + query
"""

Llm = Callable[..., Finished]


@pytest.fixture
def llm(clients: Clients, gateway: Gateway, home: Path) -> Llm:
    def run(*args: str) -> Finished:
        env = client_env(
            home,
            LLM_USER_PATH=str(home / "llm"),
            OLLAMA_HOST=f"{gateway.url}/key/{gateway.key}",
        )
        finished = run_process([str(clients.python.parent / "llm"), *args], env, home)
        assert finished.returncode == 0, finished.describe()
        return finished

    return run


def ollama_model(llm: Llm, gateway: Gateway) -> str:
    """The id llm-ollama gave the gateway's ``llama3.2`` (from /api/tags)."""
    listed = re.findall(r"^Ollama: (\S+)", llm("models").stdout, re.M)
    matches = [name for name in listed if re.search(r"[/:]llama3\.2(:|$)", name)]
    if not matches:
        # llm-ollama drops a failed model listing without a word; show why.
        tags = httpx.get(f"{gateway.url}/key/{gateway.key}/api/tags", timeout=10)
        pytest.fail(
            f"llm-ollama lists no llama3.2 of the gateway ({listed}); "
            f"GET <edge>/key/<key>/api/tags: {tags.status_code} {tags.text[:300]}"
        )
    return str(matches[0])


def test_models_lists_the_gateway_models(llm: Llm, gateway: Gateway) -> None:
    assert ollama_model(llm, gateway).startswith("ollama/")


def test_prompt(llm: Llm, gateway: Gateway) -> None:
    model = ollama_model(llm, gateway)
    assert llm("-m", model, "hello llm").stdout.strip() == "Echo: hello llm"


def test_streamed_prompt(llm: Llm, scripts: Scripts, gateway: Gateway) -> None:
    model = ollama_model(llm, gateway)
    answer = scripts.python_script(
        "llm_client",
        "stream",
        model,
        LLM_USER_PATH=str(scripts.home / "llm"),
        OLLAMA_HOST=f"{gateway.url}/key/{gateway.key}",
    )
    assert answer["pieces"] == ["Echo:", " hello", " llm", " stream"]
    assert answer["text"] == "Echo: hello llm stream"


def test_tool_round_trip(llm: Llm, gateway: Gateway) -> None:
    model = ollama_model(llm, gateway)
    finished = llm(
        "-m", model, "--functions", LOOKUP, "--td", "please call lookup the moon"
    )
    # --td (tools debug) shows each call and its result on stderr.
    assert "Tool call: lookup({'query': 'the moon'})" in finished.stderr
    assert "found the moon" in finished.stderr
    assert finished.stdout.strip() == "Tool said: found the moon"
