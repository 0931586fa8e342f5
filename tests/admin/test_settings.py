"""Gateway settings, pricing and budgets: round trips, validation, snapshot."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from omniroute.common.v1 import config_pb2
from omniroute.runtime.crypto import unseal_text
from tests.admin.conftest import AdminHarness, error_of


async def _changes_snapshot(
    admin: AdminHarness, method: str, path: str, body: Any
) -> Any:
    before = await admin.version()
    response = await admin.client.request(method, path, json=body)
    assert response.status_code == 200, response.text
    snapshot = await admin.snapshot()
    assert snapshot.version > before
    return response.json(), snapshot


async def test_defaults_in_snapshot(admin: AdminHarness) -> None:
    snapshot = await admin.snapshot()
    settings = snapshot.settings
    assert settings.cache.exact_enabled and not settings.cache.semantic_enabled
    assert settings.cache.similarity_threshold == pytest.approx(0.88)
    assert settings.cache.ttl_seconds == 3600 and not settings.cache.cache_sampled
    assert settings.ip_filter.mode == "blacklist" and not settings.ip_filter.enabled
    assert settings.thinking_budget.mode == "passthrough"
    assert settings.upstream_proxy == ""
    assert snapshot.routing.session_ttl_seconds == 900
    assert snapshot.routing.max_combo_depth == 3
    assert snapshot.resilience.provider_breaker.failure_threshold == 5
    assert snapshot.resilience.cooldown_max_seconds == 300


async def test_ip_filter(admin: AdminHarness) -> None:
    body = {
        "enabled": True,
        "mode": "whitelist",
        "whitelist": ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"],
        "blacklist": [],
    }
    saved, snapshot = await _changes_snapshot(
        admin, "PUT", "/api/settings/ip-filter", body
    )
    assert saved["whitelist"] == ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"]
    assert list(snapshot.settings.ip_filter.whitelist) == saved["whitelist"]
    assert snapshot.settings.ip_filter.mode == "whitelist"
    bad = await admin.client.put(
        "/api/settings/ip-filter", json={**body, "blacklist": ["1.2.3.4", "not-an-ip"]}
    )
    assert bad.status_code == 400
    assert error_of(bad)["param"] == "blacklist"
    assert "not-an-ip" in error_of(bad)["message"]
    mode = await admin.client.put("/api/settings/ip-filter", json={"mode": "greylist"})
    assert mode.status_code == 400 and error_of(mode)["param"] == "mode"


async def test_prompt_budget_cache(admin: AdminHarness) -> None:
    _, snapshot = await _changes_snapshot(
        admin,
        "PUT",
        "/api/settings/system-prompt",
        {"enabled": True, "prefixPrompt": "Be brief.", "suffix": ""},
    )
    assert snapshot.settings.system_prompt.prefix == "Be brief."
    assert snapshot.settings.system_prompt.enabled
    _, snapshot = await _changes_snapshot(
        admin,
        "PUT",
        "/api/settings/thinking-budget",
        {"mode": "custom", "customBudget": 2048},
    )
    assert snapshot.settings.thinking_budget.mode == "custom"
    assert snapshot.settings.thinking_budget.custom_budget == 2048
    bad = await admin.client.put("/api/settings/thinking-budget", json={"mode": "max"})
    assert bad.status_code == 400 and error_of(bad)["param"] == "mode"
    cache = {
        "exact_enabled": False,
        "semantic_enabled": True,
        "similarity_threshold": 0.8,
        "ttl_seconds": 60,
        "cache_sampled": True,
    }
    saved, snapshot = await _changes_snapshot(
        admin, "PUT", "/api/settings/cache", cache
    )
    # Every field, and its camelCase twin for the original's callers.
    assert saved == cache | {
        "exactEnabled": False,
        "semanticEnabled": True,
        "similarityThreshold": 0.8,
        "ttlSeconds": 60,
        "cacheSampled": True,
    }
    assert snapshot.settings.cache.semantic_enabled
    assert snapshot.settings.cache.similarity_threshold == pytest.approx(0.8)
    too_high = await admin.client.put(
        "/api/settings/cache", json={**cache, "similarity_threshold": 1.5}
    )
    assert too_high.status_code == 400
    assert error_of(too_high)["param"] == "similarity_threshold"
    assert (await admin.client.get("/api/settings/cache")).json() == saved


async def test_all_settings_and_proxy(admin: AdminHarness) -> None:
    def proxy_of(snapshot: config_pb2.ConfigSnapshot) -> str:
        return unseal_text(admin.settings.secret, snapshot.settings.upstream_proxy)

    saved, snapshot = await _changes_snapshot(
        admin,
        "PUT",
        "/api/settings",
        {
            "cache": {"ttl_seconds": 10},
            "proxy": {"url": "http://user:s3cret@127.0.0.1:3128", "enabled": True},
        },
    )
    assert saved["cache"]["ttl_seconds"] == 10
    assert saved["proxy"] == {
        "enabled": True,
        "url": "http://user:****@127.0.0.1:3128",
        "configured": True,
        # The original OmniRoute's view by level: only the global one exists.
        "global": {
            "type": "http",
            "host": "127.0.0.1",
            "port": 3128,
            "username": "user",
        },
        "providers": {},
        "combos": {},
        "keys": {},
    }
    # Published sealed (it rests in Redis); executors unseal it.
    assert "s3cret" not in snapshot.settings.upstream_proxy
    assert proxy_of(snapshot) == "http://user:s3cret@127.0.0.1:3128"
    assert "s3cret" not in (await admin.client.get("/api/settings")).text
    # Sending back the masked URL keeps the stored password.
    await admin.client.put(
        "/api/settings/proxy",
        json={"url": "http://user:****@127.0.0.1:3128", "enabled": True},
    )
    assert proxy_of(await admin.snapshot()).endswith("s3cret@127.0.0.1:3128")
    off = await admin.client.put(
        "/api/settings/proxy", json={"url": "", "enabled": False}
    )
    assert off.json()["configured"] is False
    assert (await admin.snapshot()).settings.upstream_proxy == ""
    bad = await admin.client.put("/api/settings/proxy", json={"url": "ftp://x"})
    assert bad.status_code == 400 and error_of(bad)["param"] == "url"
    # The original's body: {level, proxy: {type, host, port, username, password}}.
    original = await admin.client.put(
        "/api/settings/proxy",
        json={
            "level": "global",
            "proxy": {
                "type": "http",
                "host": "127.0.0.1",
                "port": 3129,
                "username": "u",
                "password": "p@ss",
            },
        },
    )
    assert original.status_code == 200, original.text
    assert proxy_of(await admin.snapshot()) == "http://u:p%40ss@127.0.0.1:3129"
    per_provider = await admin.client.put(
        "/api/settings/proxy",
        json={"level": "provider", "id": "openai", "proxy": {"host": "127.0.0.1"}},
    )
    assert per_provider.status_code == 400
    assert "only the global proxy" in error_of(per_provider)["message"]
    removed = await admin.client.put(
        "/api/settings/proxy", json={"level": "global", "proxy": None}
    )
    assert removed.json()["global"] is None


async def test_proxy_test_refuses_metadata(admin: AdminHarness) -> None:
    response = await admin.client.post(
        "/api/settings/proxy/test",
        json={
            "url": "http://169.254.169.254/latest/meta-data/",
            "proxy": {"url": "http://127.0.0.1:9"},
        },
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "forbidden_address"
    unreachable = await admin.client.post(
        "/api/settings/proxy/test",
        json={"url": "http://127.0.0.1:9/", "proxy": {"url": "http://127.0.0.1:9"}},
    )
    assert unreachable.status_code == 200
    assert unreachable.json()["ok"] is False and unreachable.json()["status"] == 0


async def test_pricing(admin: AdminHarness) -> None:
    table = (await admin.client.get("/api/pricing")).json()["prices"]
    builtin = next(p for p in table if p["model"] == "gpt-4o")
    assert builtin["source"] == "builtin" and builtin["input"] == 2.5
    saved, snapshot = await _changes_snapshot(
        admin,
        "PATCH",
        "/api/pricing",
        {
            "prices": [
                {"model": "gpt-4o", "input": 2.0, "output": 8.0},
                {
                    "model": "my-model",
                    "provider": "local",
                    "input": 0.1,
                    "output": 0.2,
                    "cached_input": 0.05,
                },
            ]
        },
    )
    gpt = [p for p in saved["prices"] if p["model"] == "gpt-4o"]
    assert len(gpt) == 1 and gpt[0]["source"] == "custom" and gpt[0]["input"] == 2.0
    prices = {(p.provider, p.model): p for p in snapshot.prices}
    assert prices[("local", "my-model")].cached_input == pytest.approx(0.05)
    assert prices[("", "gpt-4o")].output == 8.0
    negative = await admin.client.patch(
        "/api/pricing", json={"prices": [{"model": "x", "input": -1, "output": 1}]}
    )
    assert negative.status_code == 400 and "input" in error_of(negative)["param"]
    deleted = await admin.client.delete("/api/pricing", params={"model": "gpt-4o"})
    assert deleted.status_code == 204
    table = (await admin.client.get("/api/pricing")).json()
    assert (
        next(p for p in table["prices"] if p["model"] == "gpt-4o")["source"]
        == "builtin"
    )
    # Nested like the original's: provider (``*``: any), then model.
    assert table["*"]["gpt-4o"]["input"] == 2.5
    # The original's nested body, USD per 1M tokens.
    nested = await admin.client.patch(
        "/api/pricing",
        json={
            "local": {
                "nested-model": {
                    "input": 3,
                    "output": 9,
                    "cached": 1,
                    "cache_creation": 3.75,
                }
            }
        },
    )
    assert nested.status_code == 200, nested.text
    assert nested.json()["local"]["nested-model"] == {
        "input": 3.0,
        "output": 9.0,
        "cached": 1.0,
        "cache_creation": 3.75,
    }
    written = {(p.provider, p.model): p for p in (await admin.snapshot()).prices}
    assert written[("local", "nested-model")].cache_write == pytest.approx(3.75)
    wrong = await admin.client.patch("/api/pricing", json={"local": {"m": "cheap"}})
    assert wrong.status_code == 400
    _, snapshot = await _changes_snapshot(admin, "PUT", "/api/pricing", {"prices": []})
    assert not snapshot.prices


async def test_budget(admin: AdminHarness) -> None:
    key = (await admin.client.post("/api/keys", json={"name": "b"})).json()
    before = await admin.version()
    response = await admin.client.post(
        "/api/usage/budget",
        json={
            "keyId": key["id"],
            "limit": 50.0,
            "period": "monthly",
            "warningThreshold": 0.5,
        },
    )
    assert response.status_code == 200, response.text
    status = response.json()["budgets"][0]
    assert status["keyId"] == key["id"] and status["limit"] == 50.0
    assert (
        status["spent"] == 0 and status["remaining"] == 50.0 and status["percent"] == 0
    )
    snapshot = await admin.snapshot()
    assert snapshot.version > before
    budget = snapshot.budgets[0]
    assert (budget.key_id, budget.limit_usd, budget.period) == (
        key["id"],
        50.0,
        "monthly",
    )
    assert budget.warning_threshold == pytest.approx(0.5)
    bad_period = await admin.client.post(
        "/api/usage/budget", json={"keyId": key["id"], "limit": 1, "period": "yearly"}
    )
    assert bad_period.status_code == 400 and error_of(bad_period)["param"] == "period"
    unknown = await admin.client.post(
        "/api/usage/budget", json={"keyId": "key-123", "limit": 1}
    )
    assert unknown.status_code == 400 and error_of(unknown)["param"] == "keyId"
    removed = await admin.client.post(
        "/api/usage/budget", json={"keyId": key["id"], "limit": 0}
    )
    assert removed.json()["budgets"] == []
    assert not (await admin.snapshot()).budgets
    # The original OmniRoute's body: its active limit is resetInterval's.
    original = await admin.client.post(
        "/api/usage/budget",
        json={"apiKeyId": key["id"], "weeklyLimitUsd": 7.5, "warningThreshold": 0.9},
    )
    assert original.status_code == 200, original.text
    assert original.json()["budget"]["weeklyLimitUsd"] == 7.5
    budget = (await admin.snapshot()).budgets[0]
    assert (budget.limit_usd, budget.period) == (7.5, "weekly")
    one = (
        await admin.client.get("/api/usage/budget", params={"apiKeyId": key["id"]})
    ).json()
    assert one["activeLimitUsd"] == 7.5 and one["resetInterval"] == "weekly"
    assert one["budgetCheck"]["allowed"] is True
    odd = await admin.client.post(
        "/api/usage/budget", json={"apiKeyId": key["id"], "resetInterval": ["daily"]}
    )
    assert odd.status_code == 400 and error_of(odd)["param"] == "period"


async def test_concurrent_first_saves_of_a_setting_all_succeed(
    admin: AdminHarness,
) -> None:
    """Found by fuzzing on PostgreSQL: two first writes of one settings group
    raced to insert its row, and one answered 500."""
    answers = await asyncio.gather(
        *(admin.client.put("/api/settings/cache", json={}) for _ in range(8)),
        *(
            admin.client.put("/api/settings/ip-filter", json={"enabled": False})
            for _ in range(8)
        ),
    )
    assert [a.status_code for a in answers] == [200] * 16


async def test_racing_first_writes_of_one_row_are_never_a_500(
    admin: AdminHarness,
) -> None:
    key = (await admin.client.post("/api/keys", json={"name": "racer"})).json()
    answers = await asyncio.gather(
        *(
            admin.client.post(
                "/api/usage/budget",
                json={"keyId": key["id"], "limit": 1 + i, "period": "daily"},
            )
            for i in range(8)
        )
    )
    statuses = {a.status_code for a in answers}
    assert statuses <= {200, 409}, [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert error_of(answer)["code"] == "conflict"
            assert "retry" in error_of(answer)["message"]
    listed = (await admin.client.get("/api/usage/budget")).json()["budgets"]
    assert [b["keyId"] for b in listed] == [key["id"]]
