"""Helpers for tests and tools that drive the simulator.

``SimulatorProcess`` runs ``python -m services.simulator`` and learns its URL
from the first stdout line; ``SimControl`` is a dependency-free client of the
control API. Typical use in a pytest fixture::

    with SimulatorProcess("--chunk-delay-ms", "0") as sim:
        control = SimControl(sim.url)
        control.add_faults({"match": {"model": "m"}, "status": 429, "times": 1})
        ...
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

READY_LINE = re.compile(r"^simulator listening on (http://\S+)$")
REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20.0
CONTROL_TIMEOUT_S = 10.0


class SimulatorProcess:
    """The simulator as a child process (stopped on exit)."""

    def __init__(self, *args: str, python: str = sys.executable) -> None:
        self.args = ["--host", "127.0.0.1", "--port", "0", *args]
        self.python = python
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> str:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            [self.python, "-m", "services.simulator", *self.args],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = _read_line(self._process, START_TIMEOUT_S)
        found = READY_LINE.match(line.strip())
        if found is None:
            self.stop()
            raise RuntimeError(f"simulator did not start: {line!r}")
        self.url = found.group(1)
        return self.url

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    result: list[str] = []
    reader = threading.Thread(
        target=lambda: result.append(
            process.stdout.readline() if process.stdout else ""
        ),
        daemon=True,
    )
    reader.start()
    reader.join(timeout)
    return result[0] if result else ""


def poll_until(
    check: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02
) -> None:
    """Waits until ``check()`` is true; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)


class SimControl:
    """Synchronous client of ``/_sim/*`` (urllib only)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=CONTROL_TIMEOUT_S) as response:
            return json.loads(response.read())

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/_sim/health")
        return result

    def add_faults(self, *rules: dict[str, Any]) -> list[dict[str, Any]]:
        added: list[dict[str, Any]] = self._call(
            "POST", "/_sim/faults", {"rules": rules}
        )["added"]
        return added

    def faults(self) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = self._call("GET", "/_sim/faults")["rules"]
        return rules

    def clear_faults(self) -> None:
        self._call("DELETE", "/_sim/faults")

    def calls(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/_sim/calls")
        return result

    def reset_calls(self) -> None:
        self._call("DELETE", "/_sim/calls")

    def prompt_cache(self) -> list[dict[str, Any]]:
        """The prompt cache's ``scopes`` (see ``GET /_sim/prompt-cache``)."""
        scopes: list[dict[str, Any]] = self._call("GET", "/_sim/prompt-cache")["scopes"]
        return scopes

    def clear_prompt_cache(self) -> None:
        self._call("DELETE", "/_sim/prompt-cache")

    def reset(self) -> None:
        """Clears the fault rules, the call log and the prompt cache."""
        self.clear_faults()
        self.reset_calls()
        self.clear_prompt_cache()
