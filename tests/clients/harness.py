"""Runs real client programs against a running gateway and reads what they
printed: the CLIs' own JSON lines, and the one JSON line each script under
``node/`` and ``py/`` prints (``{"ok": true, "result": ...}`` or
``{"ok": false, "error": ...}``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from omniroute.stack import Stack

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
PY_DIR = HERE / "py"
# Every client run is given a proxy that refuses connections (the discard
# port on loopback) for anything but loopback, so a client that tried to
# reach its vendor (telemetry, update checks, model catalogues) fails fast
# instead of leaving the machine.
NO_NETWORK = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
CLIENT_TIMEOUT_S = 90


@dataclass(frozen=True, slots=True)
class Gateway:
    """The stack under test, as a client sees it."""

    stack: Stack

    @property
    def url(self) -> str:
        return self.stack.edge_url

    @property
    def key(self) -> str:
        return self.stack.api_key


@dataclass(frozen=True, slots=True)
class Finished:
    """One client process, after it exited."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"$ {' '.join(self.args)}\nexit {self.returncode}\n"
            f"--- stdout (tail)\n{self.stdout[-3000:]}\n"
            f"--- stderr (tail)\n{self.stderr[-3000:]}"
        )

    def json_lines(self) -> list[dict[str, Any]]:
        """Every stdout line that is a JSON object (CLIs' event streams)."""
        lines: list[dict[str, Any]] = []
        for line in self.stdout.splitlines():
            if line.startswith("{"):
                try:
                    value = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(value, dict):
                    lines.append(value)
        return lines


def client_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: nothing of the developer's (no provider keys, no
    real HOME or config), a throw-away HOME, loopback-only networking."""
    node = shutil.which("node")
    path = [str(Path(node).parent)] if node else []
    path += ["/usr/local/bin", "/usr/bin", "/bin"]
    env = {
        "PATH": os.pathsep.join(dict.fromkeys(path)),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": str(home / "tmp"),
        **NO_NETWORK,
        **extra,
    }
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return env


def run_process(
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    timeout: float = CLIENT_TIMEOUT_S,
) -> Finished:
    try:
        done = subprocess.run(
            args,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if exc.stdout else ""
        pytest.fail(f"{args[0]} did not finish within {timeout}s; stdout:\n{out}")
    return Finished(args, done.returncode, done.stdout, done.stderr)


def outcome(finished: Finished) -> Any:
    """The result a client script printed; a failure of the client (its own
    error text, as its user would see it) fails the test."""
    lines = finished.json_lines()
    if not lines or "ok" not in lines[-1]:
        pytest.fail(f"the client printed no outcome\n{finished.describe()}")
    last = lines[-1]
    if not last["ok"]:
        detail = {k: v for k, v in last.items() if k not in ("ok", "trace")}
        pytest.fail(
            f"the client failed: {json.dumps(detail)}\n"
            f"{last.get('trace', '')}\n--- stderr (tail)\n{finished.stderr[-2000:]}"
        )
    return last["result"]


@dataclass(frozen=True, slots=True)
class Scripts:
    """Runs the scenario scripts with the gateway's address and key."""

    gateway: Gateway
    python: Path
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        return client_env(
            self.home,
            OMNIROUTE_URL=self.gateway.url,
            OMNIROUTE_KEY=self.gateway.key,
            **extra,
        )

    def node(self, script: str, *args: str, **env: str) -> Any:
        """``node node/<script>.mjs <args>``: its printed result."""
        finished = run_process(
            ["node", str(NODE_DIR / f"{script}.mjs"), *args],
            {**self.env(), **env},
            NODE_DIR,
        )
        return outcome(finished)

    def python_script(self, script: str, *args: str, **env: str) -> Any:
        """``py/<script>.py <args>`` in the clients' venv: its printed result."""
        finished = run_process(
            [str(self.python), str(PY_DIR / f"{script}.py"), *args],
            {**self.env(), **env},
            self.home,
        )
        return outcome(finished)
