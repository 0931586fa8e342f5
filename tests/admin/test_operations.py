"""init, restart, shutdown, CLI tools, evals, health."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.admin.conftest import AdminHarness, error_of


async def test_init(admin: AdminHarness) -> None:
    async with admin.anonymous() as anonymous:
        public = (await anonymous.get("/api/init")).json()
    assert public == {
        "version": "0.1.0",
        "requireLogin": True,
        "passwordSet": True,
        "authenticated": False,
    }
    full = (await admin.client.get("/api/init")).json()
    assert full["mustChangePassword"] is True
    assert full["keysCount"] == 1 and full["providersConfigured"] == 0
    assert full["setupComplete"] is False


async def test_restart_and_shutdown(admin: AdminHarness) -> None:
    before = await admin.version()
    restarted = await admin.client.post("/api/restart")
    assert restarted.status_code == 200 and restarted.json()["configVersion"] > before
    assert await admin.version() == restarted.json()["configVersion"]
    stopped = await admin.client.post("/api/shutdown")
    assert stopped.status_code == 202 and stopped.json() == {"shuttingDown": True}
    assert admin.shutdowns == [True]
    async with admin.anonymous() as anonymous:
        assert (await anonymous.post("/api/shutdown")).status_code == 401


async def test_cli_tool_settings(admin: AdminHarness) -> None:
    for tool in ("claude", "codex", "droid", "openclaw"):
        response = await admin.client.get(f"/api/cli-tools/{tool}-settings")
        assert response.status_code == 200, tool
        assert response.json()["baseUrl"].startswith(admin.settings.edge_url)
    claude = (await admin.client.get("/api/cli-tools/claude-settings")).json()
    assert claude["env"]["ANTHROPIC_BASE_URL"] == admin.settings.edge_url
    codex = (await admin.client.get("/api/cli-tools/codex-settings")).json()
    assert f'base_url = "{admin.settings.edge_url}/v1"' in codex["content"]


async def test_cli_tool_runtime(
    admin: AdminHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "codex"
    fake.write_text("#!/bin/sh\necho 'codex-cli 9.9.9'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    broken = tmp_path / "droid"
    broken.write_text("#!/bin/sh\necho 'needs login' >&2\nexit 3\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    codex = (await admin.client.get("/api/cli-tools/runtime/codex")).json()
    assert codex["installed"] and codex["runnable"]
    assert codex["commandPath"] == str(fake) and codex["version"] == "codex-cli 9.9.9"
    droid = (await admin.client.get("/api/cli-tools/runtime/droid")).json()
    assert (
        droid["installed"]
        and not droid["runnable"]
        and "exited with 3" in droid["reason"]
    )
    missing = (await admin.client.get("/api/cli-tools/runtime/openclaw")).json()
    assert missing["installed"] is False and missing["runtimeMode"] == "missing"
    unknown = await admin.client.get("/api/cli-tools/runtime/notepad")
    assert unknown.status_code == 404


@pytest.fixture
def admin_extra(open_simulator: str) -> dict[str, object]:
    # The simulator answers /v1/chat/completions with "Echo: <prompt>", which
    # is all an eval run needs of the edge.
    return {"edge_url": open_simulator}


async def test_evals(admin: AdminHarness) -> None:
    suite = {
        "name": "smoke",
        "model": "sim-echo",
        "cases": [
            {"prompt": "hello there", "expect": {"contains": "hello"}},
            {"prompt": "abc", "expect": {"equals": "Echo: abc"}},
            {"prompt": "x1", "expect": {"regex": "^Echo: x\\d$"}},
            {"prompt": "no", "expect": {"contains": "yes"}},
        ],
    }
    created = await admin.client.post("/api/evals", json=suite)
    assert created.status_code == 201, created.text
    assert (await admin.client.get("/api/evals/smoke")).json()["lastRun"] is None
    run = await admin.client.post("/api/evals/smoke/run")
    assert run.status_code == 200, run.text
    body = run.json()
    assert (body["passed"], body["total"]) == (3, 4)
    assert [r["passed"] for r in body["results"]] == [True, True, True, False]
    assert all(r["status"] == 200 and r["latencyMs"] > 0 for r in body["results"])
    listed = (await admin.client.get("/api/evals")).json()["suites"]
    assert listed[0]["lastRun"]["passed"] == 3
    assert (await admin.client.get("/api/evals/nope")).status_code == 404
    two_checks = await admin.client.post(
        "/api/evals",
        json={
            **suite,
            "cases": [{"prompt": "p", "expect": {"contains": "a", "equals": "b"}}],
        },
    )
    assert two_checks.status_code == 400
    bad_regex = await admin.client.post(
        "/api/evals",
        json={**suite, "cases": [{"prompt": "p", "expect": {"regex": "("}}]},
    )
    assert bad_regex.status_code == 400 and "regex" in error_of(bad_regex)["message"]
    assert (await admin.client.delete("/api/evals/smoke")).status_code == 204


async def test_health_and_unknown_paths(admin: AdminHarness) -> None:
    health = (await admin.client.get("/api/monitoring/health")).json()
    assert health["services"]["redis"]["status"] == "ok"
    assert health["services"]["database"]["status"] == "ok"
    # Nothing dispatched in this test: an empty backlog, reported as such.
    assert {"length", "pending", "lag"} <= health["dispatch"].keys()
    assert health["dispatch"]["lag"] == 0
    missing = await admin.client.get("/api/nothing-here")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong_method = await admin.client.patch("/api/keys")
    assert wrong_method.status_code == 405
    # The caller's mistake, in the gateway's shape: not a server error.
    assert error_of(wrong_method)["type"] == "invalid_request_error"
    assert error_of(wrong_method)["code"] == "method_not_allowed"
    bad_json = await admin.client.post(
        "/api/keys", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400


async def test_unstorable_text_is_a_400(admin: AdminHarness) -> None:
    surrogate = await admin.client.post(
        "/api/keys",
        content=b'{"name": "a\\ud800b"}',
        headers={"content-type": "application/json"},
    )
    assert surrogate.status_code == 400, surrogate.text
    # NUL is fine in SQLite; PostgreSQL cannot store it in text: a 400 there.
    nul = await admin.client.post(
        "/api/keys",
        content=b'{"name": "a\\u0000b"}',
        headers={"content-type": "application/json"},
    )
    assert nul.status_code in (201, 400), nul.text
    if nul.status_code == 400:
        assert error_of(nul)["code"] == "invalid_text"


async def test_features_not_offered_answer_501_with_what_to_do(
    admin: AdminHarness,
) -> None:
    for method, path, hint in (
        ("POST", "/api/oauth/claude/authorize", "API key"),
        ("GET", "/api/sync/cloud", "exportAll"),
        ("POST", "/api/sync/initialize", "exportAll"),
        ("GET", "/api/cloud/status", "exportAll"),
    ):
        response = await admin.client.request(method, path)
        assert response.status_code == 501, path
        assert error_of(response)["code"] == "not_supported"
        assert hint in error_of(response)["message"]
    assert (await admin.anonymous().get("/api/sync/cloud")).status_code == 401
