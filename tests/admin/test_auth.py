"""Dashboard login, cookies, API-key access and the brute-force guard."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from omniroute.runtime.crypto import (
    CLIENT_HEADER,
    CLIENT_SIGNATURE_HEADER,
    sign_client,
)
from tests.admin.conftest import ADMIN_KEY, INITIAL_PASSWORD, AdminHarness, error_of


async def test_management_needs_credentials(admin: AdminHarness) -> None:
    async with admin.anonymous() as anonymous:
        response = await anonymous.get("/api/providers")
        assert response.status_code == 401
        assert error_of(response)["code"] == "missing_credentials"
        # Public routes stay public.
        assert (await anonymous.get("/api/auth/status")).status_code == 200
        assert (await anonymous.get("/api/settings/require-login")).json() == {
            "requireLogin": True,
            "passwordSet": True,
        }
    assert (await admin.client.get("/api/providers")).status_code == 200


async def test_bad_and_unscoped_keys(admin: AdminHarness) -> None:
    created = await admin.client.post("/api/keys", json={"name": "client"})
    client_key = created.json()["key"]
    async with admin.anonymous() as anonymous:
        wrong = await anonymous.get(
            "/api/keys", headers={"Authorization": "Bearer sk-or-nope"}
        )
        assert wrong.status_code == 401
        unscoped = await anonymous.get(
            "/api/keys", headers={"Authorization": f"Bearer {client_key}"}
        )
        assert unscoped.status_code == 403
        assert error_of(unscoped)["code"] == "insufficient_scope"
        via_header = await anonymous.get("/api/keys", headers={"x-api-key": ADMIN_KEY})
        assert via_header.status_code == 200


async def test_login_cookie_logout(admin: AdminHarness) -> None:
    async with admin.anonymous() as browser:
        response = await browser.post(
            "/api/auth/login", json={"password": INITIAL_PASSWORD}
        )
        assert response.status_code == 200, response.text
        assert response.json()["mustChangePassword"] is True
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("auth_token=")
        for flag in ("HttpOnly", "Path=/", "SameSite=lax", "Max-Age="):
            assert flag.lower() in cookie.lower()
        assert "secure" not in cookie.lower()
        assert (await browser.get("/api/providers")).status_code == 200
        status = (await browser.get("/api/auth/status")).json()
        assert status["authenticated"] is True and status["via"] == "session"

        assert (await browser.post("/api/auth/logout")).status_code == 200
        assert (await browser.get("/api/providers")).status_code == 401
        assert (await browser.get("/api/auth/status")).json()["authenticated"] is False


async def test_cookie_secure_behind_https_proxy(admin: AdminHarness) -> None:
    async with admin.anonymous() as browser:
        response = await browser.post(
            "/api/auth/login",
            json={"password": INITIAL_PASSWORD},
            headers={"X-Forwarded-Proto": "https"},
        )
    assert "secure" in response.headers["set-cookie"].lower()


async def test_password_change_first_run(admin: AdminHarness) -> None:
    async with admin.anonymous() as browser:
        await browser.post("/api/auth/login", json={"password": INITIAL_PASSWORD})
        short = await browser.put(
            "/api/auth/password", json={"current": INITIAL_PASSWORD, "new": "x"}
        )
        assert short.status_code == 400 and error_of(short)["param"] == "new"
        wrong = await browser.put(
            "/api/auth/password", json={"current": "nope-nope", "new": "a-new-pass-1"}
        )
        assert wrong.status_code == 401
        changed = await browser.put(
            "/api/auth/password",
            json={"current": INITIAL_PASSWORD, "new": "a-new-pass-1"},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["mustChangePassword"] is False
        # The session that changed it got a fresh cookie and stays signed in.
        assert (await browser.get("/api/keys")).status_code == 200
        assert (await browser.get("/api/init")).json()["mustChangePassword"] is False
    async with admin.anonymous() as other:
        old = await other.post("/api/auth/login", json={"password": INITIAL_PASSWORD})
        assert old.status_code == 401
        new = await other.post("/api/auth/login", json={"password": "a-new-pass-1"})
        assert new.status_code == 200
        assert new.json()["mustChangePassword"] is False


async def test_brute_force_guard(admin: AdminHarness) -> None:
    async with admin.anonymous() as attacker:
        for _ in range(2):
            response = await attacker.post(
                "/api/auth/login", json={"password": "guess"}
            )
            assert response.status_code == 401
        locked = await attacker.post("/api/auth/login", json={"password": "guess"})
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0
        # Even the right password waits out the lockout.
        right = await attacker.post(
            "/api/auth/login", json={"password": INITIAL_PASSWORD}
        )
        assert right.status_code == 429
    policies = (await admin.client.get("/api/policies")).json()
    assert [i["identifier"] for i in policies["lockedIdentifiers"]] == ["127.0.0.1"]
    unlocked = await admin.client.post(
        "/api/policies", json={"action": "unlock", "identifier": "127.0.0.1"}
    )
    assert unlocked.status_code == 200 and unlocked.json()["lockedIdentifiers"] == []
    async with admin.anonymous() as browser:
        ok = await browser.post("/api/auth/login", json={"password": INITIAL_PASSWORD})
        assert ok.status_code == 200


@pytest.mark.parametrize(
    ("admin_extra", "locked"),
    [
        # The ASGI peer (127.0.0.1) is no trusted proxy: rotating the header
        # does not rotate the address the guesses are counted on.
        ({}, ["127.0.0.1"]),
        # From a trusted proxy each forwarded address counts on its own.
        ({"trusted_proxies": "127.0.0.1/32"}, []),
    ],
    ids=["untrusted-peer", "trusted-proxy"],
)
async def test_forwarded_for_is_believed_from_trusted_proxies_only(
    admin: AdminHarness, locked: list[str]
) -> None:
    async with admin.anonymous() as attacker:
        for index in range(3):
            await attacker.post(
                "/api/auth/login",
                json={"password": "guess"},
                headers={"X-Forwarded-For": f"203.0.113.{index}"},
            )
    shown = (await admin.client.get("/api/policies")).json()["lockedIdentifiers"]
    assert [i["identifier"] for i in shown] == locked


async def test_the_edges_signed_client_address_is_believed(
    admin: AdminHarness,
) -> None:
    secret = admin.settings.secret

    def signed(address: str, signature: str | None = None) -> dict[str, str]:
        return {
            CLIENT_HEADER: address,
            CLIENT_SIGNATURE_HEADER: signature or sign_client(secret, address),
        }

    async with admin.anonymous() as edge:
        for _ in range(3):
            await edge.post(
                "/api/auth/login",
                json={"password": "guess"},
                headers=signed("198.51.100.7"),
            )
        # A forged signature is the peer's own attempt.
        await edge.post(
            "/api/auth/login",
            json={"password": "guess"},
            headers=signed("198.51.100.8", "0" * 64),
        )
    locked = (await admin.client.get("/api/policies")).json()["lockedIdentifiers"]
    assert [i["identifier"] for i in locked] == ["198.51.100.7"]


async def test_concurrent_guesses_lock_after_the_limit(admin: AdminHarness) -> None:
    async with admin.anonymous() as attacker:
        answers = await asyncio.gather(
            *(
                attacker.post("/api/auth/login", json={"password": f"guess {i}"})
                for i in range(50)
            )
        )
    statuses = Counter(a.status_code for a in answers)
    # login_max_failures is 3 here: three guesses are checked, no more.
    assert statuses[401] + statuses[429] == 50 and statuses[401] <= 3, statuses


async def test_guesses_from_everywhere_never_lock_the_owners_browser_out(
    admin: AdminHarness,
) -> None:
    """Guesses spread over many addresses lock the account for browsers that
    never signed in; the owner's browser, known by its signed device cookie,
    still signs in, and is limited on its own."""
    secret = admin.settings.secret
    async with admin.anonymous() as owner:
        first = await owner.post("/api/auth/login", json={"password": INITIAL_PASSWORD})
        assert first.status_code == 200
        assert "omniroute_device" in owner.cookies
    async with admin.anonymous() as attacker:
        # login_max_failures is 3 here: the account locks after 12.
        for index in range(13):
            address = f"203.0.113.{index}"
            await attacker.post(
                "/api/auth/login",
                json={"password": "guess"},
                headers={
                    CLIENT_HEADER: address,
                    CLIENT_SIGNATURE_HEADER: sign_client(secret, address),
                },
            )
        attacker.cookies.set("omniroute_device", "forged.0000", path="/api/auth")
        unknown = await attacker.post(
            "/api/auth/login", json={"password": INITIAL_PASSWORD}
        )
        assert unknown.status_code == 429, unknown.text
        assert "on this account" in error_of(unknown)["message"]
    async with admin.anonymous() as browser:
        browser.cookies = owner.cookies
        again = await browser.post(
            "/api/auth/login", json={"password": INITIAL_PASSWORD}
        )
        assert again.status_code == 200, again.text
        # The device has the per-address limit of its own.
        for _ in range(2):
            wrong = await browser.post("/api/auth/login", json={"password": "typo"})
            assert wrong.status_code == 401
        locked = await browser.post("/api/auth/login", json={"password": "typo"})
        assert locked.status_code == 429
        assert "from this browser" in error_of(locked)["message"]


async def test_require_login_off_allows_anonymous(admin: AdminHarness) -> None:
    response = await admin.client.put(
        "/api/settings/require-login", json={"requireLogin": False}
    )
    assert response.status_code == 200
    async with admin.anonymous() as anonymous:
        assert (await anonymous.get("/api/providers")).status_code == 200
        created = await anonymous.post("/api/keys", json={"name": "by-anyone"})
        assert created.status_code == 201
    audit = (
        await admin.client.get(
            "/api/compliance/audit-log", params={"action": "api_key.create"}
        )
    ).json()
    assert audit["entries"][0]["actor"] == "anonymous"


@pytest.mark.parametrize("admin_extra", [{"initial_password": None}])
async def test_no_password_needs_setup(admin: AdminHarness) -> None:
    async with admin.anonymous() as browser:
        response = await browser.post("/api/auth/login", json={"password": "whatever"})
        assert response.status_code == 403
        assert error_of(response)["code"] == "needs_setup"
    # An admin key sets the first password without a current one.
    set_first = await admin.client.put(
        "/api/auth/password", json={"new": "first-pass-1"}
    )
    assert set_first.status_code == 200, set_first.text
    async with admin.anonymous() as browser:
        ok = await browser.post("/api/auth/login", json={"password": "first-pass-1"})
        assert ok.status_code == 200
