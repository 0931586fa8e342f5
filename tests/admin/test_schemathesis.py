"""Fuzzes the management API from its own OpenAPI description: no 500s.

The admin runs as a real process (``python -m services.admin``) on a free
loopback port, on SQLite and on PostgreSQL; schemathesis generates requests
for every operation, authenticated with an admin key. Operations that call
out to an address taken from the request (provider/proxy tests, eval runs)
are left out: a fuzzer would point them at hosts off this machine. ``shutdown`` and
``restart`` are left out because they stop or reset the server under test,
and ``/api/cache[/stats]`` because they rightly answer 503 without a cache service.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import poll_until

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
ADMIN_KEY = "sk-or-admin-fuzz-0123456789"
EXCLUDED = (
    r"/api/(shutdown|restart|providers/validate|providers/\{provider_id\}/(test|models)"
    r"|settings/proxy/test|evals/\{suite\}/run|cli-tools/runtime/.*|cache(/stats)?)$"
)
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def admin_process(
    redis_url: str,
    database_url: str,
    tmp_path: Path,
    redis_keys: object,
    redis: object,
) -> Iterator[str]:
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "REDIS_URL": redis_url,
        "OMNIROUTE_KEY_PREFIX": redis_keys.prefix,  # type: ignore[attr-defined]
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,  # SQLite and PostgreSQL in turn
        "ADMIN_PORT": str(port),
        "OMNIROUTE_ADMIN_API_KEYS": ADMIN_KEY,
        "INITIAL_PASSWORD": "initial-pass-123",
        "EDGE_URL": "http://127.0.0.1:1",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "admin.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "services.admin"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return httpx.get(url + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        poll_until(ready, timeout=20)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.mark.fuzz
@pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="schemathesis is not installed")
def test_no_server_errors(admin_process: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            admin_process + "/api/openapi.json",
            "--header",
            f"Authorization: Bearer {ADMIN_KEY}",
            "--checks",
            "not_a_server_error",
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            "20",
            "--exclude-path-regex",
            EXCLUDED,
            "--no-shrink",
            "--seed",
            "20128",
            "--workers",
            "2",
            "--request-timeout",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    admin_log = (tmp_path / "admin.log").read_text()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "unexpected error" not in admin_log, admin_log[-4000:]
    # Still usable afterwards: the fuzzer could not lock the admin key out.
    keys = httpx.get(
        admin_process + "/api/keys",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        timeout=5,
    )
    assert keys.status_code == 200
