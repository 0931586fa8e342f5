"""Installs the real clients the conformance suite drives, at pinned versions.

* npm clients: ``node/package.json`` + the committed ``node/package-lock.json``,
  installed with ``npm ci`` into ``node/node_modules``;
* Python clients: ``requirements.txt`` (every package pinned), installed into
  their own venv ``.venv`` beside this file, never the project's.

Each install is skipped when its stamp (a hash of the files that define it,
plus the interpreter's version) matches the one written by the last install,
so local runs pay for it once. Run it by hand with
``python -m tests.clients.install``; the suite's conftest calls ``ensure_all``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
NODE_MODULES = NODE_DIR / "node_modules"
REQUIREMENTS = HERE / "requirements.txt"
VENV = HERE / ".venv"
STAMP_NAME = ".omniroute-stamp"
# A cold npm ci downloads about 250 MB (Claude Code's and Codex's native
# binaries); a cold pip install about 80 packages. Generous, but bounded.
INSTALL_TIMEOUT_S = 900
# Words in npm's and pip's output that mean the registry was not reached,
# as opposed to a package or version that does not exist.
UNREACHABLE = (
    "ENOTFOUND",
    "EAI_AGAIN",
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "ENETUNREACH",
    "network request",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Max retries exceeded",
    "Read timed out",
    "No matching distribution found",
)

Progress = Callable[[str], None]


class InstallError(RuntimeError):
    """An install step failed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Clients:
    """Where the installed clients are."""

    node_bin: Path
    node_modules: Path
    python: Path


def stderr_progress(line: str) -> None:
    sys.stderr.write(f"clients: {line}\n")
    sys.stderr.flush()


def ensure_all(progress: Progress = stderr_progress) -> Clients:
    """Installs whatever is missing or out of date; returns the paths."""
    with lock(HERE / ".install.lock"):
        ensure_node(progress)
        ensure_python(progress)
    return Clients(NODE_MODULES / ".bin", NODE_MODULES, venv_python())


def venv_python() -> Path:
    return VENV / "bin" / "python"


def node_stamp() -> str:
    node = _run_quiet(["node", "--version"])
    return digest(
        (NODE_DIR / "package.json").read_bytes(),
        (NODE_DIR / "package-lock.json").read_bytes(),
        node.encode(),
    )


def python_stamp() -> str:
    return digest(REQUIREMENTS.read_bytes(), sys.version.encode())


def ensure_node(progress: Progress = stderr_progress) -> None:
    """``npm ci`` into ``node/node_modules`` unless its stamp is current."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise InstallError(
                f"`{tool}` is not on the PATH: the client conformance suite needs "
                "Node.js 20 or later with npm (Debian: apt-get install nodejs npm)"
            )
    stamp = node_stamp()
    if stamp_of(NODE_MODULES) == stamp:
        progress("npm clients up to date (node/node_modules)")
        return
    progress("installing npm clients with npm ci (about 250 MB, once)...")
    started = time.monotonic()
    run_install(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=NODE_DIR,
        what="npm ci in tests/clients/node",
        registry="the npm registry",
    )
    (NODE_MODULES / STAMP_NAME).write_text(stamp + "\n")
    progress(f"npm clients installed in {time.monotonic() - started:.0f}s")


def ensure_python(progress: Progress = stderr_progress) -> None:
    """The clients' own venv with ``requirements.txt`` unless its stamp is
    current; a stale venv is rebuilt from scratch, so nothing lingers."""
    stamp = python_stamp()
    if stamp_of(VENV) == stamp and venv_python().exists():
        progress("Python clients up to date (tests/clients/.venv)")
        return
    progress("installing Python clients into tests/clients/.venv (once)...")
    started = time.monotonic()
    if VENV.exists():
        shutil.rmtree(VENV)
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    run_install(
        [
            str(venv_python()),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
            str(REQUIREMENTS),
        ],
        cwd=HERE,
        what="pip install -r tests/clients/requirements.txt",
        registry="PyPI",
    )
    (VENV / STAMP_NAME).write_text(stamp + "\n")
    progress(f"Python clients installed in {time.monotonic() - started:.0f}s")


def run_install(
    args: list[str],
    cwd: Path,
    what: str,
    registry: str,
    env: dict[str, str] | None = None,
) -> None:
    """Runs one install command; an ``InstallError`` says what failed and why."""
    try:
        done = subprocess.run(
            args,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            env={**os.environ, "PIP_NO_INPUT": "1", **(env or {})},
        )
    except subprocess.TimeoutExpired:
        raise InstallError(
            f"{what} did not finish within {INSTALL_TIMEOUT_S}s: is {registry} "
            "reachable from this machine?"
        ) from None
    if done.returncode == 0:
        return
    output = (done.stdout + done.stderr).strip()
    tail = "\n".join(output.splitlines()[-25:])
    if any(word in output for word in UNREACHABLE):
        raise InstallError(
            f"{registry} is unreachable (or lacks a pinned version), so the "
            f"clients cannot be installed ({what} exited {done.returncode}):\n{tail}"
        )
    raise InstallError(f"{what} exited {done.returncode}:\n{tail}")


def stamp_of(folder: Path) -> str:
    path = folder / STAMP_NAME
    return path.read_text().strip() if path.exists() else ""


def digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(hashlib.sha256(part).digest())
    return hasher.hexdigest()


def _run_quiet(args: list[str]) -> str:
    return subprocess.run(
        args, capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()


@contextlib.contextmanager
def lock(path: Path) -> Iterator[None]:
    """Two runs at once (two terminals) install one after the other."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def main() -> int:
    try:
        clients = ensure_all()
    except InstallError as exc:
        stderr_progress(str(exc))
        return 1
    stderr_progress(f"node clients: {clients.node_bin}; python: {clients.python}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
