"""Backups: create/restore, export/import, export-all, and bad uploads."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from pathlib import Path

from tests.admin.conftest import AdminHarness, error_of


async def _state(admin: AdminHarness) -> tuple[list[str], list[str], int]:
    providers = [
        p["id"] for p in (await admin.client.get("/api/providers")).json()["providers"]
    ]
    combos = [
        c["name"] for c in (await admin.client.get("/api/combos")).json()["combos"]
    ]
    ttl = (await admin.client.get("/api/settings/cache")).json()["ttl_seconds"]
    return providers, combos, ttl


async def _setup(admin: AdminHarness) -> None:
    await admin.client.post(
        "/api/providers",
        json={"id": "keep", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-keep"},
    )
    await admin.client.post(
        "/api/combos", json={"name": "c1", "members": [{"model": "keep/m"}]}
    )
    await admin.client.put("/api/settings/cache", json={"ttl_seconds": 111})


async def _change(admin: AdminHarness) -> None:
    await admin.client.delete("/api/combos/c1")
    await admin.client.post(
        "/api/providers", json={"id": "later", "base_url": "http://127.0.0.1:9/v1"}
    )
    await admin.client.put("/api/settings/cache", json={"ttl_seconds": 222})


async def test_backup_change_restore(admin: AdminHarness) -> None:
    await _setup(admin)
    before = await _state(admin)
    created = await admin.client.put("/api/db-backups")
    assert created.status_code == 200, created.text
    backup = created.json()
    assert backup["sizeBytes"] > 0 and backup["id"].endswith("-manual")
    await _change(admin)
    assert await _state(admin) != before
    version = await admin.version()

    restored = await admin.client.post(
        "/api/db-backups", json={"backupId": backup["id"]}
    )
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert body["tables"]["providers"] == 1 and body["configVersion"] > version
    assert await _state(admin) == before
    # Followers see the restored state through a newer snapshot.
    snapshot = await admin.snapshot()
    assert [p.id for p in snapshot.providers] == ["keep"]
    assert snapshot.settings.cache.ttl_seconds == 111
    # The credential survived (sealed) and the audit trail was kept.
    assert (await admin.client.get("/api/providers/keep")).json()["accounts"][0][
        "credential"
    ] == "****"
    actions = [
        e["action"]
        for e in (await admin.client.get("/api/compliance/audit-log")).json()["entries"]
    ]
    assert actions[0] == "backup.restore" and "combo.delete" in actions
    listing = (await admin.client.get("/api/db-backups")).json()["backups"]
    ids = {b["id"] for b in listing}
    assert backup["id"] in ids and body["safetyBackup"] in ids
    missing = await admin.client.post(
        "/api/db-backups", json={"backupId": "20200101T000000Z-manual"}
    )
    assert missing.status_code == 404
    traversal = await admin.client.post("/api/db-backups", json={"backupId": "../x"})
    assert traversal.status_code == 400


async def test_export_import_round_trip(admin: AdminHarness, tmp_path: Path) -> None:
    await _setup(admin)
    before = await _state(admin)
    exported = await admin.client.get("/api/db-backups/export")
    assert exported.status_code == 200
    assert exported.content.startswith(b"SQLite format 3\x00")
    assert "omniroute-backup-" in exported.headers["content-disposition"]
    copy = tmp_path / "export.sqlite"
    copy.write_bytes(exported.content)
    with sqlite3.connect(copy) as connection:
        assert connection.execute("SELECT id FROM providers").fetchall() == [("keep",)]
    await _change(admin)
    imported = await admin.client.post(
        "/api/db-backups/import",
        files={"file": ("export.sqlite", exported.content, "application/octet-stream")},
    )
    assert imported.status_code == 200, imported.text
    assert await _state(admin) == before


async def test_import_refuses_other_files(admin: AdminHarness, tmp_path: Path) -> None:
    text = await admin.client.post(
        "/api/db-backups/import", files={"file": ("notes.txt", b"hello", "text/plain")}
    )
    assert text.status_code == 400 and error_of(text)["param"] == "file"
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    foreign = await admin.client.post(
        "/api/db-backups/import", files={"file": ("other.sqlite", other.read_bytes())}
    )
    assert foreign.status_code == 400
    assert "not an OmniRoute database" in error_of(foreign)["message"]
    missing = await admin.client.post("/api/db-backups/import")
    assert missing.status_code == 400
    # Nothing was changed, and no safety backup was taken.
    assert (await admin.client.get("/api/db-backups")).json()["backups"] == []


async def test_export_all(admin: AdminHarness) -> None:
    await _setup(admin)
    await admin.client.post("/api/keys", json={"name": "k"})
    response = await admin.client.get("/api/db-backups/exportAll")
    assert response.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as tar:
        names = set(tar.getnames())
        assert {
            "omniroute.sqlite",
            "settings.json",
            "providers.json",
            "api-keys.json",
            "combos.json",
        } <= names
        providers = json.loads(tar.extractfile("providers.json").read())  # type: ignore[union-attr]
        keys = json.loads(tar.extractfile("api-keys.json").read())  # type: ignore[union-attr]
        settings = json.loads(tar.extractfile("settings.json").read())  # type: ignore[union-attr]
        everything = b"".join(
            tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
        )
    assert providers[0]["accounts"][0]["credential"] == "****"
    # Credentials are sealed in the database and absent from the JSON.
    assert b"sk-keep" not in everything
    assert all("key_hmac" not in k and "key" not in k for k in keys)
    assert settings["cache"]["ttl_seconds"] == 111 and "password_hash" not in settings
