"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from omniroute.stack import Stack

T = TypeVar("T")
E = TypeVar("E", bound=Exception)


def poll_until(
    check: Callable[[], T], timeout: float = 10.0, interval: float = 0.05
) -> T:
    """Calls ``check`` until it returns something truthy; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


class Simulator:
    """The provider simulator's control API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)

    def fault(
        self,
        key: str | None = None,
        model: str | None = None,
        path: str | None = None,
        **action: Any,
    ) -> None:
        """Adds a fault rule matching ``key``/``model``/``path`` (each optional)."""
        match = {k: v for k, v in (("key", key), ("model", model), ("path", path)) if v}
        response = self.http.post(
            "/_sim/faults", json={"rules": [{"match": match, **action}]}
        )
        assert response.status_code == 200, response.text

    def clear(self) -> None:
        self.http.delete("/_sim/faults").raise_for_status()
        self.http.delete("/_sim/calls").raise_for_status()

    def calls(self) -> dict[str, Any]:
        response = self.http.get("/_sim/calls")
        response.raise_for_status()
        return dict(response.json())


def install_when_selected(
    session: Any,
    folder: Path,
    label: str,
    install: Callable[[Callable[[str], None]], T],
    failure: type[E],
) -> T | E | None:
    """Runs a suite's first install from ``pytest_collection_finish`` when any
    test under ``folder`` was selected: outside any test, so the per-test
    timeout does not have to cover it. Progress lines go to the terminal as
    ``<label>: ...``. Returns what ``install`` returned, the ``failure`` it
    raised (for the suite's fixture to report), or None when nothing of the
    suite runs."""
    if session.config.option.collectonly:
        return None
    if not any(Path(item.path).is_relative_to(folder) for item in session.items):
        return None
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")

    def progress(line: str) -> None:
        if reporter is not None:
            reporter.write_line(f"{label}: {line}")

    try:
        return install(progress)
    except failure as exc:  # handed to the fixture, which fails or skips
        return exc


def admin_client(base_url: str, admin_key: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {admin_key}"}, timeout=10
    )


def register_providers(stack: Stack, bodies: list[dict[str, Any]], until: str) -> None:
    """Registers each provider, then waits until the edge lists ``until``."""
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        for body in bodies:
            response = admin.post("/api/providers", json=body)
            assert response.status_code == 201, response.text
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    with httpx.Client(base_url=stack.edge_url, headers=headers) as http:
        poll_until(lambda: until in http.get("/v1/models").text)


def usage_row(
    base_url: str, admin_key: str, request_id: str, timeout: float = 10
) -> dict[str, Any]:
    """A request's call-log row, once the usage pipeline has stored it."""
    with admin_client(base_url, admin_key) as admin:

        def fetch() -> dict[str, Any] | None:
            response = admin.get(f"/api/usage/call-logs/{request_id}")
            found: dict[str, Any] = response.json()
            return found if response.status_code == 200 else None

        row = poll_until(fetch, timeout=timeout)
    assert row is not None, f"no usage row for {request_id}"
    return row


async def poll_until_async(
    check: Callable[[], T | Awaitable[T]], within: float = 5.0, interval: float = 0.02
) -> T:
    """``poll_until`` for async tests (``check`` may be a coroutine function):
    yields to the event loop between tries."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {within}s (last value: {last!r})")


class RecordingProxy:
    """A plain HTTP forward proxy on loopback, in a thread of the test
    process, that records the request line of every call it carries.

    One request per connection (it asks the target to close), so each
    recorded line is one call."""

    def __init__(self) -> None:
        from omniroute.stack import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        assert self._ready.wait(5), "the proxy did not start"
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._carry, "127.0.0.1", self.port)
        self._ready.set()
        async with server:
            await self._stopping.wait()

    async def _carry(
        self, client: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        try:
            head = await client.readuntil(b"\r\n\r\n")
            line, _, rest = head.partition(b"\r\n")
            method, url, version = line.decode().split(" ")
            self.requests.append(f"{method} {url}")
            target = urlsplit(url)
            upstream, upstream_out = await asyncio.open_connection(
                target.hostname, target.port or 80
            )
            hop_by_hop = (b"connection:", b"proxy-connection:", b"keep-alive:")
            headers = [
                h
                for h in rest.split(b"\r\n")
                if h and not h.lower().startswith(hop_by_hop)
            ]
            path = target.path + (f"?{target.query}" if target.query else "")
            upstream_out.write(
                f"{method} {path} {version}\r\n".encode()
                + b"".join(h + b"\r\n" for h in headers)
                + b"Connection: close\r\n\r\n"
            )
            sending = asyncio.ensure_future(_pipe(client, upstream_out))
            await _pipe(upstream, client_out)
            sending.cancel()
            upstream_out.close()
        except (OSError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            client_out.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
