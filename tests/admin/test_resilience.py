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


async def test_model_availability_follows_the_live_state(admin: AdminHarness) -> None:
    await _provider(admin)  # "sim": accounts sim-1 and sim-2
    models = await admin.client.put(
        "/api/providers/sim",
        json={"id": "sim", "base_url": "http://127.0.0.1:9/v1", "models": ["m1", "m2"]},
    )
    assert models.status_code == 200, models.text
    keys, redis = admin.keys, admin.redis

    def states(body: dict[str, object]) -> dict[str, str]:
        provider = body["providers"][0]  # type: ignore[index]
        return {a["account"]: a["state"] for a in provider["accounts"]}

    listed = (await admin.client.get("/api/models/availability")).json()["models"]
    assert [m["model"] for m in listed] == ["sim/m1", "sim/m2"]
    assert all(m["available"] for m in listed)

    await Cooldowns(redis, keys).rate_limited("sim", "sim-2", 30, Resilience())
    await Breakers(redis, keys).failure(keys.account_breaker("sim", "sim-1"), TRIP)
    one = await admin.client.post("/api/models/availability", json={"model": "m1"})
    assert one.status_code == 200
    body = one.json()
    assert body["available"] is False
    assert states(body) == {"sim-1": "breaker_open", "sim-2": "cooling_down"}
    assert 0 < body["providers"][0]["accounts"][1]["retryInSeconds"] <= 30

    await admin.client.post(
        "/api/resilience/reset", json={"provider": "sim", "account": "sim-2"}
    )
    again = await admin.client.post(
        "/api/models/availability", json={"model": "sim/m1"}
    )
    assert again.json()["available"] is True
    assert states(again.json())["sim-2"] == "ready"

    unknown = await admin.client.post(
        "/api/models/availability", json={"model": "nope"}
    )
    assert unknown.status_code == 404
    assert error_of(unknown)["code"] == "model_not_found"

    config = (await admin.client.get("/api/rate-limit")).json()
    assert config["cooldownBaseSeconds"] == Resilience().cooldown_base_s
    assert {"keysWithRpmLimit", "keysWithTpmLimit"} <= config.keys()
