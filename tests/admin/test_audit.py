"""The audit log: every change with who, what, on what, from where."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from omniroute.errors import Conflict
from services.admin.audit import change
from services.admin.auth import Actor
from services.admin.db.models import ApiKey
from tests.admin.conftest import INITIAL_PASSWORD, AdminHarness


async def test_changes_are_recorded(admin: AdminHarness) -> None:
    key = (await admin.client.post("/api/keys", json={"name": "audited"})).json()
    await admin.client.post(
        "/api/providers",
        json={
            "id": "audited",
            "base_url": "http://127.0.0.1:9",
            "api_key": "sk-top-secret",
        },
    )
    await admin.client.post(f"/api/keys/{key['id']}/revoke")
    async with admin.anonymous() as browser:
        await browser.post("/api/auth/login", json={"password": "wrong"})
        await browser.post("/api/auth/login", json={"password": INITIAL_PASSWORD})
        await browser.put("/api/settings/cache", json={"ttl_seconds": 5})

    log = (await admin.client.get("/api/compliance/audit-log")).json()
    entries = [(e["actor"], e["action"], e["target"]) for e in log["entries"]]
    assert entries[:5] == [
        ("session", "settings.cache.update", "cache"),
        ("session", "auth.login", "dashboard"),
        ("anonymous", "auth.login.failed", "dashboard"),
        ("api_key:key_" + admin_key_id(entries), "api_key.revoke", key["id"]),
        ("api_key:key_" + admin_key_id(entries), "provider.create", "audited"),
    ]
    provider_entry = next(e for e in log["entries"] if e["action"] == "provider.create")
    assert provider_entry["details"]["credential_changed"] is True
    assert "sk-top-secret" not in str(log)
    assert all(e["ip"] == "127.0.0.1" for e in log["entries"])

    only = (
        await admin.client.get(
            "/api/compliance/audit-log", params={"action": "api_key.*"}
        )
    ).json()
    assert {e["action"] for e in only["entries"]} == {
        "api_key.create",
        "api_key.revoke",
    }
    by_actor = (
        await admin.client.get("/api/compliance/audit-log", params={"actor": "session"})
    ).json()
    assert by_actor["total"] == 2
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    later = (
        await admin.client.get("/api/compliance/audit-log", params={"since": future})
    ).json()
    assert later["total"] == 0
    page = (
        await admin.client.get(
            "/api/compliance/audit-log", params={"limit": 2, "offset": 1}
        )
    ).json()
    assert len(page["entries"]) == 2 and page["total"] == log["total"]
    too_many = await admin.client.get(
        "/api/compliance/audit-log", params={"limit": 501}
    )
    assert too_many.status_code == 400


def admin_key_id(entries: list[tuple[str, str, str]]) -> str:
    """The env admin key's id, read from the entries themselves."""
    actor = next(a for a, action, _ in entries if action == "provider.create")
    return actor.removeprefix("api_key:key_")


async def test_a_row_removed_under_a_change_is_a_conflict_not_a_500(
    admin: AdminHarness,
) -> None:
    """Found by fuzzing (``DELETE /api/policies?keyId=`` while another request
    deleted the key): the UPDATE matched no row, and SQLAlchemy's
    StaleDataError became a 500. It is a 409 that says to retry."""
    key = (await admin.client.post("/api/keys", json={"name": "gone"})).json()
    with pytest.raises(Conflict) as raised:
        async with change(
            admin.ctx, Actor("anonymous"), "policy.clear", key["id"]
        ) as c:
            row = await c.session.get(ApiKey, key["id"])
            assert row is not None
            async with admin.ctx.sessions() as other, other.begin():
                await other.execute(delete(ApiKey).where(ApiKey.id == key["id"]))
            row.allowed_models = ["a/b"]
    assert raised.value.status == 409
    assert "retry" in str(raised.value)
