"""Issue 20's doors through the running stack: the edge's admin proxy
forwards only the paths it is given and never shows admin's address, and
the dashboard login locks after its limit however many guesses race."""

from __future__ import annotations

import asyncio
import http.client
import socket
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack

pytestmark = pytest.mark.e2e

PASSWORD = "the-right-one-42"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("guards"),
        env={"INITIAL_PASSWORD": PASSWORD, "HEADER_TIMEOUT_S": "2"},
    )
    try:
        yield running
    finally:
        running.stop()


def _raw(stack: Stack, path: str) -> http.client.HTTPResponse:
    """A GET with ``path`` sent exactly as written (clients normalise dots)."""
    edge = urlsplit(stack.edge_url)
    connection = http.client.HTTPConnection(edge.hostname or "", edge.port, timeout=10)
    connection.request(
        "GET", path, headers={"Authorization": f"Bearer {stack.admin_key}"}
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize(
    "path", ["/api/../metrics", "/api/%2e%2e/metrics", "/api/./keys", "/api//keys"]
)
def test_a_dotted_management_path_goes_nowhere(stack: Stack, path: str) -> None:
    assert _raw(stack, path).status == 404


def test_a_redirect_never_names_admins_address(stack: Stack) -> None:
    response = _raw(stack, "/api/keys/")
    location = response.getheader("location") or ""
    assert response.status in (200, 307, 308), response.status
    assert urlsplit(stack.admin_url).netloc not in location, location


def test_fifty_racing_wrong_passwords_lock_after_five(stack: Stack) -> None:
    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=stack.edge_url, timeout=30) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post("/api/auth/login", json={"password": f"no {i}"})
                        for i in range(50)
                    )
                )
            )

    statuses = Counter(r.status_code for r in asyncio.run(race()))
    assert statuses[401] <= 5 and statuses[401] + statuses[429] == 50, statuses
    # Locked: even the right password waits (the owner's address is this one).
    right = httpx.post(
        stack.edge_url + "/api/auth/login", json={"password": PASSWORD}, timeout=30
    )
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) > 0


def test_an_image_url_for_an_ollama_model_is_a_400(stack: Stack) -> None:
    """Ollama takes inline images only and the gateway fetches nothing: the
    executor says so in the client's format (it was a 500)."""
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    response = httpx.post(
        stack.edge_url + "/v1/chat/completions",
        json={
            "model": "demo-ollama/llama3.2",
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "what?"}, image]}
            ],
        },
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert "inline (base64 data URL) images" in error["message"]
    assert error["type"] == "invalid_request_error"


def test_slowloris_connections_are_closed_at_the_header_deadline(
    stack: Stack,
) -> None:
    """Twenty clients each sending a header byte every half second: the
    edge closes them all at its header deadline (2 s here), and still
    answers everyone else."""
    edge = urlsplit(stack.edge_url)
    slow = []
    for _ in range(20):
        connection = socket.create_connection((edge.hostname, edge.port), timeout=10)
        connection.sendall(b"GET /v1/models HTTP/1.1\r\nHost: edge\r\n")
        slow.append(connection)
    started = time.monotonic()
    closed: set[int] = set()
    try:
        while len(closed) < len(slow) and time.monotonic() - started < 8:
            for index, connection in enumerate(slow):
                if index in closed:
                    continue
                try:
                    connection.sendall(b"X")
                    connection.settimeout(0.02)
                    if connection.recv(1024) == b"":
                        closed.add(index)
                except TimeoutError:
                    pass
                except OSError:
                    closed.add(index)
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        assert len(closed) == len(slow), (len(closed), elapsed)
        assert elapsed < 2 + 2, elapsed
        assert httpx.get(stack.edge_url + "/healthz", timeout=5).status_code == 200
    finally:
        for connection in slow:
            connection.close()
