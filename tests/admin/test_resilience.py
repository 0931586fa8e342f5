"""The resilience profile and the live breaker/cooldown state in Redis."""

from __future__ import annotations

import asyncio

from omniroute.resilience.breaker import Breakers
from omniroute.resilience.cooldown import Cooldowns
from omniroute.resilience.profiles import BreakerProfile, Resilience
from tests.admin.conftest import AdminHarness, error_of

TRIP = BreakerProfile(failure_threshold=1, window_s=60, reset_timeout_s=30)


async def _provider(admin: AdminHarness) -> None:
    response = await admin.client.post(
        "/api/providers",
        json={"id": "sim", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-a"},
    )
    assert response.status_code == 201
    second = await admin.client.post(
        "/api/providers/sim/accounts", json={"id": "sim-2", "api_key": "sk-b"}
    )
    assert second.status_code == 201, second.text


async def test_profile_round_trip(admin: AdminHarness) -> None:
    view = (await admin.client.get("/api/resilience")).json()
    defaults = Resilience()
    assert view["profile"]["provider_breaker"]["failure_threshold"] == (
        defaults.provider_breaker.failure_threshold
    )
    assert view["breakers"] == [] and view["cooldowns"] == []
    profile = {
        **view["profile"],
        "provider_breaker": {
            "failure_threshold": 2,
            "window_seconds": 10,
            "reset_timeout_seconds": 5,
        },
        "cooldown_base_seconds": 1,
    }
    before = await admin.version()
    saved = await admin.client.put("/api/resilience", json=profile)
    assert saved.status_code == 200, saved.text
    snapshot = await admin.snapshot()
    assert snapshot.version > before
    assert snapshot.resilience.provider_breaker.failure_threshold == 2
    assert snapshot.resilience.provider_breaker.reset_timeout_seconds == 5
    assert snapshot.resilience.cooldown_base_seconds == 1
    assert Resilience.from_settings(snapshot.resilience).account_breaker == (
        defaults.account_breaker
    )
    bad = await admin.client.put(
        "/api/resilience",
        json={
            **profile,
            "provider_breaker": {**profile["provider_breaker"], "failure_threshold": 0},
        },
    )
    assert bad.status_code == 400
    assert error_of(bad)["param"] == "provider_breaker.failure_threshold"
    inverted = await admin.client.put(
        "/api/resilience", json={**profile, "cooldown_max_seconds": 0.5}
    )
    assert inverted.status_code == 400
    assert error_of(inverted)["param"] == "cooldown_max_seconds"


async def test_live_state_and_reset(admin: AdminHarness) -> None:
    await _provider(admin)
    keys, redis = admin.keys, admin.redis
    breakers, cooldowns = Breakers(redis, keys), Cooldowns(redis, keys)
    await breakers.failure(keys.provider_breaker("sim"), TRIP)
    await breakers.failure(keys.account_breaker("sim", "sim-1"), TRIP)
    await cooldowns.rate_limited("sim", "sim-2", 30, Resilience())
    await cooldowns.mark_invalid("sim", "sim-1", "sk-a")
    await redis.set(keys.session("sess-1"), "sim/sim-2", ex=100)

    view = (await admin.client.get("/api/resilience")).json()
    states = {(b["provider"], b["account"]): b["state"] for b in view["breakers"]}
    assert states == {("sim", ""): "open", ("sim", "sim-1"): "open"}
    assert view["breakers"][0]["reopensInSeconds"] > 0
    cooling = view["cooldowns"][0]
    assert (cooling["provider"], cooling["account"], cooling["level"]) == (
        "sim",
        "sim-2",
        1,
    )
    assert 0 < cooling["remainingSeconds"] <= 30
    assert [(i["provider"], i["account"]) for i in view["invalid"]] == [
        ("sim", "sim-1")
    ]

    limits = (await admin.client.get("/api/rate-limits")).json()
    accounts = {a["account"]: a for a in limits["accounts"]}
    assert accounts["sim-1"]["invalid"] and accounts["sim-1"]["breaker"] == "open"
    assert accounts["sim-2"]["cooldownSeconds"] > 0 and not accounts["sim-2"]["invalid"]
    assert accounts["sim-2"]["providerBreaker"] == "open"
    assert "keys" in limits

    sessions = (await admin.client.get("/api/sessions")).json()
    assert sessions["count"] == 1
    assert sessions["sessions"][0]["id"] == "sess-1"
    assert sessions["sessions"][0]["account"] == "sim-2"
    assert 0 < sessions["sessions"][0]["ttlSeconds"] <= 100

    pubsub = redis.pubsub()
    await pubsub.subscribe(keys.resilience_channel)
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    one = await admin.client.post(
        "/api/resilience/reset", json={"provider": "sim", "account": "sim-2"}
    )
    assert one.json()["reset"] == {"breakers": 0, "cooldowns": 1, "invalid": 0}
    message = await pubsub.get_message(timeout=1)
    assert message is not None
    assert message["data"] == f"cooldown|{keys.cooldown('sim', 'sim-2')}|0".encode()
    assert (await admin.client.get("/api/resilience")).json()["cooldowns"] == []

    everything = await admin.client.post("/api/resilience/reset")
    assert everything.json()["reset"] == {"breakers": 2, "cooldowns": 0, "invalid": 1}
    message = await pubsub.get_message(timeout=1)
    assert message is not None and message["data"] == b"reset||"
    await pubsub.aclose()
    view = (await admin.client.get("/api/resilience")).json()
    assert view["breakers"] == [] and view["invalid"] == []
    audit = (
        await admin.client.get(
            "/api/compliance/audit-log", params={"action": "resilience.reset"}
        )
    ).json()
    assert [e["target"] for e in audit["entries"]] == ["all", "sim/sim-2"]
    bad = await admin.client.post("/api/resilience/reset", json={"account": "x"})
    assert bad.status_code == 400 and error_of(bad)["param"] == "provider"
    await asyncio.sleep(0)
