"""Issue 2 acceptance: several executors, a router outage, live configuration."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import Simulator, admin_client, poll_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def two_executor_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("topology"), executors=2)
    try:
        yield running
    finally:
        running.stop()


def _served(stack: Stack, executor: str) -> float:
    port = stack.executor_ops_ports[executor]
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    pattern = (
        r"omniroute_executor_upstream_requests_total"
        r'\{provider="demo",status_class="2xx"\} (\S+)'
    )
    found = re.search(pattern, metrics)
    return float(found.group(1)) if found else 0.0


async def test_two_executors_share_200_concurrent_requests(
    two_executor_stack: Stack,
) -> None:
    stack = two_executor_stack
    before = {name: _served(stack, name) for name in ("executor-1", "executor-2")}
    async with openai.AsyncOpenAI(
        base_url=stack.edge_url + "/v1",
        api_key=stack.api_key,
        max_retries=0,
        timeout=60,
    ) as client:
        answers = await asyncio.gather(
            *(
                client.chat.completions.create(
                    model="demo/gpt-4o-mini",
                    messages=[{"role": "user", "content": f"request {i}"}],
                )
                for i in range(200)
            )
        )
    assert [a.choices[0].message.content for a in answers] == [
        f"Echo: request {i}" for i in range(200)
    ]
    served = {name: _served(stack, name) - before[name] for name in before}
    assert sum(served.values()) == 200
    assert all(count > 0 for count in served.values()), served


def test_router_outage_and_live_configuration(two_executor_stack: Stack) -> None:
    stack = two_executor_stack
    with openai.OpenAI(
        base_url=stack.edge_url + "/v1", api_key=stack.api_key, max_retries=0
    ) as client:
        stack.stop_service("router")
        try:
            for i in range(5):
                answer = client.chat.completions.create(
                    model="demo/gpt-4o-mini",
                    messages=[{"role": "user", "content": f"router is down {i}"}],
                )
                assert answer.choices[0].message.content == f"Echo: router is down {i}"
        finally:
            stack.start_service("router")

        # A provider added through the management API while the router runs.
        with admin_client(stack.edge_url, stack.admin_key) as admin:
            created = admin.post(
                "/api/providers",
                json={
                    "id": "late",
                    "kind": "openai-compatible",
                    "base_url": stack.simulator_url + "/v1",
                    "api_key": "sk-late",
                    "models": ["late-model"],
                },
            )
            assert created.status_code == 201, created.text
        added = time.monotonic()

        def routable() -> bool:
            try:
                client.chat.completions.create(
                    model="late-model", messages=[{"role": "user", "content": "hi"}]
                )
            except openai.NotFoundError:
                return False
            return True

        poll_until(routable, timeout=5, interval=0.02)
        assert time.monotonic() - added < 1.0


def test_exact_cache_hits_per_key(stack: Stack, sim: Simulator) -> None:
    body = {
        "model": "demo/gpt-4o-mini",
        "temperature": 0,
        "messages": [{"role": "user", "content": "cache me"}],
    }
    answers: list[httpx.Response] = []

    def ask(key: str, **headers: str) -> httpx.Response:
        response = http.post(
            "/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {key}", **headers},
        )
        assert response.status_code == 200, response.text
        answers.append(response)
        return response

    with httpx.Client(base_url=stack.edge_url, timeout=10) as http:
        first = ask(stack.api_key)
        assert first.headers["x-omniroute-cache"] == "MISS"
        # The store is fire-and-forget: poll until the entry is there.
        hit = poll_until(
            lambda: (
                (r := ask(stack.api_key)).headers["x-omniroute-cache"] == "HIT" and r
            )
        )
        assert hit.json()["choices"] == first.json()["choices"]
        assert ask(stack.api_key).headers["x-omniroute-cache"] == "HIT"
        bypass = ask(stack.api_key, **{"X-OmniRoute-No-Cache": "true"})
        assert bypass.headers["x-omniroute-cache"] == "MISS"
        # The admin key is another scope: it never sees the client key's answer.
        assert ask(stack.admin_key).headers["x-omniroute-cache"] == "MISS"
    misses = [a for a in answers if a.headers["x-omniroute-cache"] == "MISS"]
    assert sim.calls()["total"] == len(misses)


def test_make_run_answers_the_printed_curl(tmp_path: Path) -> None:
    """What a new user does: `make run`, then paste the curl it prints."""
    import os
    import shlex
    import signal
    import subprocess
    import sys

    from omniroute.stack import free_port

    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        **{
            name: str(free_port())
            for name in (
                "EDGE_PORT",
                "ADMIN_PORT",
                "ROUTER_PORT",
                "ROUTER_OPS_PORT",
                "CACHE_PORT",
                "CACHE_OPS_PORT",
            )
        },
    }
    for name in (
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GEMINI_API_KEY",
        "OLLAMA_BASE_URL",
        "REDIS_URL",
    ):
        env.pop(name, None)
    process = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "run",
            f"PYTHON={sys.executable}",
            f"VENV={Path(sys.executable).parent.parent}",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output = ""
        assert process.stdout is not None
        for line in process.stdout:
            output += line
            if "Press Ctrl-C" in line:
                break
        curl = re.search(r"(curl .*?)\n\n", output, re.S)
        assert curl, output
        command = curl.group(1).replace("\\\n", " ")
        answer = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=30
        )
        assert '"Echo: Hello!"' in answer.stdout, answer.stdout + answer.stderr
    finally:
        # Ctrl-C reaches make and the launcher (one process group); make
        # itself exits by the signal, the launcher stops every service.
        os.killpg(process.pid, signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    assert "Stopping OmniRoute" in rest

    def edge_closed() -> bool:
        try:
            httpx.get(f"http://127.0.0.1:{env['EDGE_PORT']}/healthz", timeout=1)
        except httpx.TransportError:
            return True
        return False

    poll_until(edge_closed, timeout=10)
