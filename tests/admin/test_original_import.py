"""POST /api/db-backups/import with the original OmniRoute's exports, and the
command writing a database a running admin serves."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from omniroute.runtime.crypto import hash_api_key, unseal
from services.admin.original_import import cli
from services.admin.original_import.tests.original_db import (
    STORAGE_KEY,
    write_original_db,
)
from tests.admin.conftest import AdminHarness, error_of
from tests.helpers import poll_until_async

CLEAR_KEY = "sk-abcdef0123456789-a1b2c3-d4e5f6a7"


async def _upload(admin: AdminHarness, path: Path, **form: str) -> dict[str, Any]:
    content = await asyncio.to_thread(path.read_bytes)
    response = await admin.client.post(
        "/api/db-backups/import",
        files={"file": (path.name, content, "application/octet-stream")},
        data=form,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _written(report: dict[str, Any]) -> dict[str, int]:
    return {
        kind: c["created"] + c["updated"]
        for kind, c in report["counts"].items()
        if c["created"] + c["updated"]
    }


async def test_import_of_the_original_database(
    admin: AdminHarness, tmp_path: Path
) -> None:
    source = write_original_db(tmp_path / "storage.sqlite")
    version = await admin.version()

    dry = await _upload(admin, source, storageEncryptionKey=STORAGE_KEY, dryRun="true")
    assert dry["dryRun"] and dry["changed"] and dry["configVersion"] is None
    assert (await admin.client.get("/api/combos")).json()["combos"] == []
    assert await admin.version() == version
    assert (await admin.client.get("/api/db-backups")).json()["backups"] == []

    report = await _upload(
        admin, source, storageEncryptionKey=STORAGE_KEY, usage="true"
    )
    assert _written(report) == {
        "providers": 2,
        "accounts": 2,
        "api_keys": 1,
        "combos": 2,
        "aliases": 1,
        "prices": 1,
        "settings": 1,
        "budgets": 1,
        "usage": 2,
    }
    assert report["configVersion"] > version and report["safetyBackup"]
    skipped = {(i["kind"], i["row"]): i["reason"] for i in report["skipped"]}
    assert "SHA-256" in skipped[("api_keys", "hashed (key-hashed)")]
    assert "OAuth" in skipped[("accounts", "me@example.com (claude, conn-claude)")]
    assert "antigravity" in skipped[("aliases", "gone -> antigravity/x")]
    assert any(o["what"] == "key_value lkgp" for o in report["notMigrated"])

    # Followers see it: the key by its HMAC, the node with its credential.
    snapshot = await admin.snapshot()
    secret = admin.settings.secret
    [key] = [k for k in snapshot.api_keys if k.id == "key-clear"]
    assert key.key_hmac == hash_api_key(secret, CLEAR_KEY)
    assert list(key.allowed_models) == ["fast"] and not key.revoked
    [sim] = [p for p in snapshot.providers if p.id == "sim"]
    assert unseal(secret, sim.accounts[0].sealed_credential) == "sk-upstream-sim"
    combos = {c.name: [m.model for m in c.members] for c in snapshot.combos}
    assert combos == {"fast": ["sim/gpt-4o-mini", "sim/sim-big"], "outer": ["fast"]}
    assert [(a.alias, a.target) for a in snapshot.aliases] == [("mini", "sim/m1")]
    assert snapshot.routing.account_strategy == "round-robin"
    assert [(b.key_id, b.limit_usd, b.period) for b in snapshot.budgets] == [
        ("key-clear", 5.0, "daily")
    ]

    again = await _upload(admin, source, storageEncryptionKey=STORAGE_KEY, usage="true")
    assert not again["changed"] and _written(again) == {}
    assert again["counts"]["usage"]["unchanged"] == 2
    assert again["configVersion"] is None


async def test_import_without_the_storage_key(
    admin: AdminHarness, tmp_path: Path
) -> None:
    report = await _upload(admin, write_original_db(tmp_path / "storage.sqlite"))
    reasons = [i["reason"] for i in report["skipped"] if i["kind"] == "accounts"]
    assert any("encrypted" in r and "STORAGE_ENCRYPTION_KEY" in r for r in reasons)
    providers = {
        p["id"] for p in (await admin.client.get("/api/providers")).json()["providers"]
    }
    assert {"sim", "openai"} <= providers


async def test_import_of_the_json_export(admin: AdminHarness, tmp_path: Path) -> None:
    source = write_original_db(tmp_path / "storage.sqlite")
    with sqlite3.connect(source) as connection:
        connection.row_factory = sqlite3.Row
        keys = [dict(r) for r in connection.execute("SELECT * FROM api_keys")]
    document = {
        "_meta": {"version": "omniroute-v3-legacy-export"},
        "providerNodes": [
            {
                "id": "n1",
                "type": "openai-compatible",
                "name": "N",
                "prefix": "n",
                "apiType": "chat",
                "baseUrl": "http://127.0.0.1:9/v1",
            }
        ],
        "providerConnections": [
            {
                "id": "c1",
                "provider": "n1",
                "authType": "apikey",
                "name": "c",
                "isActive": True,
                "apiKey": "sk-from-json",
            }
        ],
        "apiKeys": [{**k, "allowedModels": ["n/m"]} for k in keys],
        "combos": [{"id": "x", "name": "j", "models": ["n/m"], "strategy": "random"}],
        "settings": {"requireLogin": True, "stickyRoundRobinLimit": 3},
    }
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(document))
    report = await _upload(admin, path)
    assert _written(report) == {
        "providers": 1,
        "accounts": 1,
        "api_keys": 1,
        "combos": 1,
    }
    assert any(i["row"] == "stickyRoundRobinLimit" for i in report["skipped"])
    combos = (await admin.client.get("/api/combos")).json()["combos"]
    assert [(c["name"], c["strategy"]) for c in combos] == [("j", "random")]


async def test_a_broken_original_upload_is_refused(
    admin: AdminHarness, tmp_path: Path
) -> None:
    path = tmp_path / "backup.json"
    path.write_text(
        json.dumps(
            {
                "_meta": {"version": "omniroute-v3-legacy-export"},
                "providerConnections": "nope",
            }
        )
    )
    report = await _upload(admin, path)
    assert not report["changed"]
    garbage = await admin.client.post(
        "/api/db-backups/import", files={"file": ("x.json", b'{"a": 1}')}
    )
    assert garbage.status_code == 400 and error_of(garbage)["param"] == "file"


async def test_the_command_into_a_running_admin(
    admin: AdminHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not admin.settings.database_url.startswith("sqlite"):
        pytest.skip("the command test writes the SQLite file")
    write_original_db(tmp_path / "storage.sqlite")
    (tmp_path / ".env").write_text(f"STORAGE_ENCRYPTION_KEY={STORAGE_KEY}\n")
    monkeypatch.setenv("OMNIROUTE_SECRET_KEY", "test-secret-for-admin-tests")
    version = await admin.version()
    argv = [str(tmp_path), "--database-url", admin.settings.database_url, "--json"]
    assert await asyncio.to_thread(cli.main, argv) == 0

    async def published() -> bool:
        snapshot = await admin.snapshot()
        return snapshot.version > version and any(
            k.id == "key-clear" for k in snapshot.api_keys
        )

    # The heal loop (every 2 s) republishes the version the command bumped.
    await poll_until_async(published, within=10)
