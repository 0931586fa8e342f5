"""API keys: shown once, stored as HMAC, published to the edges at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from omniroute.runtime.crypto import hash_api_key
from tests.admin.conftest import AdminHarness, error_of


async def test_create_shows_key_once_and_publishes_hmac(admin: AdminHarness) -> None:
    before = await admin.version()
    started = time.monotonic()
    response = await admin.client.post(
        "/api/keys",
        json={
            "name": "team-a",
            "scopes": [],
            "allowed_models": ["demo/gpt-4o-mini"],
            "rpm_limit": 60,
            "tpm_limit": 100000,
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    key = created["key"]
    assert key.startswith("sk-or-") and created["prefix"] == key[:12]
    digest = hash_api_key(admin.settings.secret, key)

    async def published() -> bool:
        snapshot = await admin.snapshot()
        return snapshot.version > before and any(
            k.key_hmac == digest and k.rpm_limit == 60 for k in snapshot.api_keys
        )

    await _within(published, 1.0)
    assert time.monotonic() - started < 1.0

    listed = (await admin.client.get("/api/keys")).json()["keys"]
    mine = next(k for k in listed if k["id"] == created["id"])
    # Listed masked, as the original OmniRoute lists keys.
    assert mine["key"] == key[:12] + "****" and mine["prefix"] == key[:12]
    assert key not in (await admin.client.get("/api/keys")).text
    one = (await admin.client.get(f"/api/keys/{created['id']}")).json()
    assert one["allowed_models"] == ["demo/gpt-4o-mini"] and "key" not in one


async def _within(check: Callable[[], Awaitable[bool]], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return
    raise AssertionError(f"not within {seconds}s")


async def test_revoke_and_delete_reach_snapshot(admin: AdminHarness) -> None:
    created = (await admin.client.post("/api/keys", json={"name": "temp"})).json()
    revoked = await admin.client.post(f"/api/keys/{created['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True

    async def marked() -> bool:
        snapshot = await admin.snapshot()
        return any(k.id == created["id"] and k.revoked for k in snapshot.api_keys)

    await _within(marked, 1.0)
    assert (await admin.client.delete(f"/api/keys/{created['id']}")).status_code == 204
    snapshot = await admin.snapshot()
    assert all(k.id != created["id"] for k in snapshot.api_keys)
    assert (await admin.client.get(f"/api/keys/{created['id']}")).status_code == 404


async def test_update_and_validation(admin: AdminHarness) -> None:
    created = (await admin.client.post("/api/keys", json={"name": "x"})).json()
    updated = await admin.client.put(
        f"/api/keys/{created['id']}", json={"scopes": ["admin"], "rpmLimit": 5}
    )
    assert updated.status_code == 200
    assert updated.json()["scopes"] == ["admin"] and updated.json()["rpm_limit"] == 5
    snapshot = await admin.snapshot()
    assert list(next(k for k in snapshot.api_keys if k.id == created["id"]).scopes) == [
        "admin"
    ]
    bad = await admin.client.post("/api/keys", json={"rpm_limit": -1})
    assert bad.status_code == 400 and error_of(bad)["param"] == "rpm_limit"
    bad_scope = await admin.client.post("/api/keys", json={"scopes": ["Not A Scope"]})
    assert bad_scope.status_code == 400 and "scopes" in error_of(bad_scope)["message"]


async def test_policy_allow_list(admin: AdminHarness) -> None:
    created = (await admin.client.post("/api/keys", json={"name": "p"})).json()
    response = await admin.client.post(
        "/api/policies",
        json={"keyId": created["id"], "allowedModels": ["openai/gpt-4o", "cheap"]},
    )
    assert response.status_code == 200
    policy = next(p for p in response.json()["policies"] if p["keyId"] == created["id"])
    assert policy["allowedModels"] == ["openai/gpt-4o", "cheap"]
    await asyncio.sleep(0)  # let the publish task run
    snapshot = await admin.snapshot()
    key = next(k for k in snapshot.api_keys if k.id == created["id"])
    assert list(key.allowed_models) == ["openai/gpt-4o", "cheap"]
    cleared = await admin.client.delete(
        "/api/policies", params={"keyId": created["id"]}
    )
    assert cleared.status_code == 200
    unknown = await admin.client.post(
        "/api/policies", json={"keyId": "key_nope", "allowedModels": []}
    )
    assert unknown.status_code == 404


async def test_cannot_revoke_own_key(admin: AdminHarness) -> None:
    own = next(
        k
        for k in (await admin.client.get("/api/keys")).json()["keys"]
        if k["source"] == "env"
    )
    for response in (
        await admin.client.post(f"/api/keys/{own['id']}/revoke"),
        await admin.client.delete(f"/api/keys/{own['id']}"),
        await admin.client.put(f"/api/keys/{own['id']}", json={"scopes": []}),
    ):
        assert response.status_code == 400
        assert error_of(response)["code"] == "own_key"
    assert (await admin.client.get("/api/keys")).status_code == 200
