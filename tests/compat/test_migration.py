"""Migration from the original OmniRoute, end to end.

The original (3.7.9, real) is given our simulator as two provider nodes (an
OpenAI- and an Anthropic-compatible one), an API-key provider, three keys,
two combos (one nested in the other), an alias, a price, a budget, and
serves some requests, with its credentials encrypted under a
STORAGE_ENCRYPTION_KEY in its data dir's .env. Then ``python -m
omniroute.migrate`` brings its data dir into our running stack, and the same
client requests (each key; the combo names, the alias, provider/model
strings) must be routed the same way: same status, and for an answer the
same upstream path, model and credential at the simulator.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from omniroute.stack import Stack
from tests.compat import original as reference
from tests.helpers import Simulator, admin_client, poll_until

pytestmark = pytest.mark.e2e

STORAGE_KEY = "migration-test-storage-key-0123456789"
ROOT = Path(__file__).resolve().parents[2]
MODELS = ("fast", "outer", "myalias", "sim/gpt-4o-mini", "sima/claude-haiku")


@dataclass(frozen=True)
class Routed:
    """What one request did: its status and what the simulator was asked."""

    status: int
    path: str = ""
    model: str = ""
    upstream_key: str = ""


@dataclass
class Original:
    data_dir: Path
    keys: list[str]
    key_ids: list[str]
    routed: dict[tuple[int, str], Routed]
    usage_rows: int


def _ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def _populate(admin: httpx.Client, simulator_url: str) -> tuple[list[str], list[str]]:
    nodes = {}
    for prefix, kind, secret in (
        ("sim", "openai-compatible", "sk-upstream-openai-node"),
        ("sima", "anthropic-compatible", "sk-upstream-anthropic-node"),
    ):
        body = {"name": prefix, "prefix": prefix, "baseUrl": f"{simulator_url}/v1"}
        body |= {"type": kind} | (
            {"apiType": "chat"} if kind.startswith("openai") else {}
        )
        node = _ok(admin.post("/api/provider-nodes", json=body))["node"]
        nodes[prefix] = node["id"]
        _ok(
            admin.post(
                "/api/providers",
                json={"provider": node["id"], "apiKey": secret, "name": f"{prefix}-1"},
            )
        )
    _ok(
        admin.post(
            "/api/providers",
            json={
                "provider": "openai",
                "apiKey": "sk-openai-never-called",
                "name": "o",
            },
        )
    )
    created = [
        _ok(admin.post("/api/keys", json={"name": f"key-{i}"})) for i in range(3)
    ]
    _ok(
        admin.patch(
            f"/api/keys/{created[2]['id']}", json={"allowedModels": ["fast", "myalias"]}
        ),
        200,
    )
    _ok(admin.post("/api/combos", json={"name": "fast", "models": MODELS[3:]}))
    outer = {
        "name": "outer",
        "strategy": "weighted",
        "models": [
            {"kind": "combo-ref", "comboName": "fast", "weight": 100},
            {
                "kind": "model",
                "providerId": nodes["sim"],
                "model": "sim-big",
                "weight": 0,
            },
        ],
    }
    _ok(admin.post("/api/combos", json=outer))
    # The form the original resolves (its "sim/..." alias target does not).
    alias = {"model": f"{nodes['sim']}/sim-aliased", "alias": "myalias"}
    _ok(admin.put("/api/models/alias", json=alias), 200)
    _ok(
        admin.patch(
            "/api/pricing", json={"sim": {"gpt-4o-mini": {"input": 0.5, "output": 1.5}}}
        ),
        200,
    )
    _ok(
        admin.post(
            "/api/usage/budget", json={"apiKeyId": created[0]["id"], "dailyLimitUsd": 5}
        ),
        200,
    )
    return [k["key"] for k in created], [k["id"] for k in created]


def _route(url: str, key: str, model: str, sim: Simulator) -> Routed:
    sim.clear()
    response = httpx.post(
        f"{url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
        json={
            "model": model,
            "stream": False,
            "messages": [{"role": "user", "content": "hi"}],
        },
        timeout=60,
    )
    calls = sim.calls()["recent"]
    if response.status_code != 200 or not calls:
        return Routed(response.status_code)
    last = calls[-1]
    return Routed(200, last["path"], last["model"], last["key"])


def _routes(url: str, keys: list[str], sim: Simulator) -> dict[tuple[int, str], Routed]:
    return {
        (index, model): _route(url, key, model, sim)
        for index, key in enumerate(keys)
        for model in MODELS
    }


@pytest.fixture(scope="module")
def simulator(stack: Stack) -> Iterator[Simulator]:
    sim = Simulator(stack.simulator_url)
    yield sim
    sim.http.close()


@pytest.fixture(scope="module")
def original(
    original_package: Path,
    stack: Stack,
    simulator: Simulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> Original:
    """A data dir the original made and used, left behind after it stopped."""
    data_dir = tmp_path_factory.mktemp("original-data")
    (data_dir / ".env").write_text(f"STORAGE_ENCRYPTION_KEY={STORAGE_KEY}\n")
    with reference.running_original(data_dir) as running:
        keys, key_ids = _populate(running.admin, stack.simulator_url)
        routed = _routes(running.url, keys, simulator)
    with sqlite3.connect(data_dir / "storage.sqlite") as connection:
        sealed = connection.execute(
            "SELECT api_key FROM provider_connections"
        ).fetchall()
        usage = connection.execute("SELECT count(*) FROM usage_history").fetchone()[0]
    assert all(value.startswith("enc:v1:") for (value,) in sealed)
    return Original(data_dir, keys, key_ids, routed, usage)


def _migrate(stack: Stack, source: Path, *flags: str) -> dict[str, Any]:
    secret = os.environ.get("OMNIROUTE_SECRET_KEY") or (
        (stack.data_dir / "secret").read_text().strip()
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "STORAGE_ENCRYPTION_KEY")
    }
    env |= {"OMNIROUTE_SECRET_KEY": secret, "DATA_DIR": str(stack.data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "omniroute.migrate", str(source), "--json", *flags],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _written(report: dict[str, Any]) -> dict[str, int]:
    return {
        kind: c["created"] + c["updated"]
        for kind, c in report["counts"].items()
        if c["created"] + c["updated"]
    }


def _visible(stack: Stack) -> dict[str, Any]:
    with admin_client(stack.admin_url, stack.admin_key) as admin:
        keys = admin.get("/api/keys").json()
        combos = admin.get("/api/combos").json()
    return {"keys": keys, "combos": combos}


@pytest.fixture(scope="module")
def reports(stack: Stack, original: Original) -> dict[str, dict[str, Any]]:
    """A dry run, the migration, and the same migration again."""
    before = _visible(stack)
    dry = _migrate(stack, original.data_dir, "--dry-run", "--usage")
    assert _visible(stack) == before, "the dry run wrote something"
    first = _migrate(stack, original.data_dir, "--usage")
    again = _migrate(stack, original.data_dir, "--usage")
    return {"dry": dry, "first": first, "again": again}


EXPECTED = {
    "providers": 3,
    "accounts": 3,
    "api_keys": 3,
    "combos": 2,
    "aliases": 1,
    "prices": 1,
    "budgets": 1,
}


def test_the_migration_imports_every_kind(
    reports: dict[str, dict[str, Any]], original: Original
) -> None:
    first = reports["first"]
    written = _written(first)
    assert {k: written.get(k, 0) for k in EXPECTED} == EXPECTED
    assert written["usage"] == original.usage_rows > 0
    assert first["configVersion"] is not None


def test_a_dry_run_reports_the_same_and_writes_nothing(
    reports: dict[str, dict[str, Any]],
) -> None:
    dry, first = reports["dry"], reports["first"]
    assert dry["dryRun"] and dry["configVersion"] is None
    assert _written(dry) == _written(first)


def test_a_second_run_changes_nothing(reports: dict[str, dict[str, Any]]) -> None:
    again = reports["again"]
    assert not again["changed"] and _written(again) == {}
    assert again["counts"]["api_keys"]["unchanged"] == 3


def test_the_report_lists_what_is_not_mapped(
    reports: dict[str, dict[str, Any]],
) -> None:
    first = reports["first"]
    skipped = {
        (i["kind"], i["row"].split(" ->")[0]): i["reason"] for i in first["skipped"]
    }
    # The aliases the original seeds for its Antigravity provider.
    assert any(
        kind == "aliases" and "antigravity" in reason
        for (kind, _), reason in skipped.items()
    )
    assert "scrypt" in skipped[("settings", "password")]
    not_migrated = {o["what"] for o in first["notMigrated"]}
    assert "table call_logs" in not_migrated


def test_requests_are_routed_as_the_original_routed_them(
    reports: dict[str, dict[str, Any]],
    original: Original,
    stack: Stack,
    simulator: Simulator,
) -> None:
    # A running admin republishes the version the command bumped.
    poll_until(
        lambda: (
            _route(stack.edge_url, original.keys[1], "fast", simulator).status == 200
        ),
        timeout=20,
        interval=0.5,
    )
    ours = _routes(stack.edge_url, original.keys, simulator)
    assert ours == original.routed
    statuses = {case: routed.status for case, routed in original.routed.items()}
    # The cases mean something: answers, through both nodes, and a refusal.
    assert statuses[(2, "sim/gpt-4o-mini")] == 403
    assert {r.path for r in original.routed.values() if r.status == 200} == {
        "/v1/chat/completions",
        "/v1/messages",
    }


def test_the_import_route_takes_the_original_database(
    reports: dict[str, dict[str, Any]], original: Original, stack: Stack
) -> None:
    """The same data through POST /api/db-backups/import: already here."""
    database = (original.data_dir / "storage.sqlite").read_bytes()
    with admin_client(stack.admin_url, stack.admin_key) as admin:
        response = admin.post(
            "/api/db-backups/import",
            files={"file": ("storage.sqlite", database)},
            data={"storageEncryptionKey": STORAGE_KEY, "usage": "true"},
            timeout=60,
        )
    assert response.status_code == 200, response.text
    report = response.json()
    assert not report["changed"], _written(report)
    assert report["counts"]["accounts"]["unchanged"] == 3
    assert report["counts"]["usage"]["unchanged"] == original.usage_rows
