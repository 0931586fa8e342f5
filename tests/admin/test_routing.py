"""Combos, aliases and routing settings: validation and the snapshot."""

from __future__ import annotations

from typing import Any

from tests.admin.conftest import AdminHarness, error_of


async def _combo(admin: AdminHarness, name: str, *members: str, **extra: Any) -> Any:
    body = {
        "name": name,
        "strategy": extra.pop("strategy", "priority"),
        "members": [{"model": m, "weight": 1} for m in members],
        **extra,
    }
    return await admin.client.post("/api/combos", json=body)


async def test_combo_round_trip(admin: AdminHarness) -> None:
    before = await admin.version()
    response = await _combo(
        admin, "fast", "demo/gpt-4o-mini", "openai/gpt-4o", strategy="Round_Robin"
    )
    assert response.status_code == 201, response.text
    assert response.json()["strategy"] == "round-robin"
    snapshot = await admin.snapshot()
    assert snapshot.version > before
    combo = next(c for c in snapshot.combos if c.name == "fast")
    assert combo.strategy == "round-robin" and combo.enabled
    assert [m.model for m in combo.members] == ["demo/gpt-4o-mini", "openai/gpt-4o"]

    updated = await admin.client.put(
        "/api/combos/fast",
        json={
            "name": "fast",
            "strategy": "weighted",
            "members": [{"model": "a/b", "weight": 3}],
            "description": "d",
            "enabled": False,
        },
    )
    assert updated.status_code == 200
    assert (await admin.client.get("/api/combos/fast")).json()["members"] == [
        {"model": "a/b", "weight": 3}
    ]
    combo = next(c for c in (await admin.snapshot()).combos if c.name == "fast")
    assert combo.strategy == "weighted" and not combo.enabled
    assert combo.members[0].weight == 3
    assert [
        c["name"] for c in (await admin.client.get("/api/combos")).json()["combos"]
    ] == ["fast"]
    assert (await admin.client.delete("/api/combos/fast")).status_code == 204
    assert (await admin.client.get("/api/combos/fast")).status_code == 404
    assert not (await admin.snapshot()).combos


async def test_combo_validation(admin: AdminHarness) -> None:
    bad = await _combo(admin, "x", "a/b", strategy="fastest")
    assert bad.status_code == 400
    assert error_of(bad)["param"] == "strategy"
    assert "unknown strategy 'fastest'" in error_of(bad)["message"]
    slash = await _combo(admin, "a/b", "a/b")
    assert slash.status_code == 400 and error_of(slash)["param"] == "name"
    empty = await admin.client.post("/api/combos", json={"name": "e", "members": []})
    assert empty.status_code == 400 and error_of(empty)["param"] == "members"

    assert (await _combo(admin, "c1", "c2")).status_code == 201
    cycle = await _combo(admin, "c2", "c1")
    assert cycle.status_code == 400 and "cycle" in error_of(cycle)["message"]
    assert (await _combo(admin, "c2", "c3")).status_code == 201
    assert (await _combo(admin, "c3", "demo/x")).status_code == 201
    too_deep = await _combo(admin, "c0", "c1")
    assert too_deep.status_code == 400
    assert "max_combo_depth=3" in error_of(too_deep)["message"]
    in_use = await admin.client.delete("/api/combos/c3")
    assert in_use.status_code == 400 and "c2" in error_of(in_use)["message"]
    # Lowering the depth limit under existing combos is refused too.
    routing = (await admin.client.get("/api/routing")).json()
    lower = await admin.client.put(
        "/api/routing", json={**routing, "max_combo_depth": 2}
    )
    assert lower.status_code == 400 and error_of(lower)["param"] == "max_combo_depth"


async def test_aliases_and_catalog(admin: AdminHarness) -> None:
    before = await admin.version()
    created = await admin.client.post(
        "/api/models/alias", json={"alias": "smart", "target": "openai/gpt-4o"}
    )
    assert created.status_code == 200
    snapshot = await admin.snapshot()
    assert snapshot.version > before
    assert [(a.alias, a.target) for a in snapshot.aliases] == [
        ("smart", "openai/gpt-4o")
    ]
    assert (await admin.client.get("/api/models/alias")).json() == {
        "aliases": {"smart": "openai/gpt-4o"}
    }
    # The original OmniRoute's spelling: PUT {model, alias}; ?alias= resolves.
    put = await admin.client.put(
        "/api/models/alias", json={"model": "openai/gpt-4o-mini", "alias": "quick"}
    )
    assert put.status_code == 200 and put.json()["model"] == "openai/gpt-4o-mini"
    one = (
        await admin.client.get("/api/models/alias", params={"alias": "quick"})
    ).json()
    assert one["resolved"] | {"qualifiedId": one["resolved"]["qualifiedId"]} == {
        "provider": "openai",
        "model": "gpt-4o-mini",
        "qualifiedId": "openai/gpt-4o-mini",
        "target": "openai/gpt-4o-mini",
    }
    unknown = await admin.client.get("/api/models/alias", params={"alias": "nope"})
    assert unknown.status_code == 404
    assert (
        await admin.client.delete("/api/models/alias", params={"alias": "quick"})
    ).status_code == 204
    self_ref = await admin.client.post(
        "/api/models/alias", json={"alias": "loop", "target": "loop"}
    )
    assert self_ref.status_code == 400 and error_of(self_ref)["param"] == "target"
    spaced = await admin.client.post(
        "/api/models/alias", json={"alias": "has space", "target": "x"}
    )
    assert spaced.status_code == 400 and error_of(spaced)["param"] == "alias"

    await admin.client.post(
        "/api/providers",
        json={
            "id": "local",
            "kind": "openai-compatible",
            "base_url": "http://127.0.0.1:9/v1",
            "models": ["chat-1", "text-embedding-3-small"],
        },
    )
    await _combo(admin, "combo-1", "local/chat-1")
    catalog = (await admin.client.get("/api/models/catalog")).json()
    local = next(p for p in catalog["providers"] if p["id"] == "local")
    types = {m["model"]: m["type"] for m in local["models"]}
    assert types == {"chat-1": "chat", "text-embedding-3-small": "embedding"}
    assert catalog["aliases"] == [{"alias": "smart", "target": "openai/gpt-4o"}]
    assert [c["name"] for c in catalog["combos"]] == ["combo-1"]

    assert (
        await admin.client.delete("/api/models/alias", params={"alias": "smart"})
    ).status_code == 204
    assert not (await admin.snapshot()).aliases
    gone = await admin.client.delete("/api/models/alias", params={"alias": "smart"})
    assert gone.status_code == 404


async def test_routing_settings(admin: AdminHarness) -> None:
    defaults = (await admin.client.get("/api/routing")).json()
    assert defaults == {
        "account_strategy": "fill-first",
        "provider_account_strategies": {},
        "session_ttl_seconds": 900,
        "global_fallback_model": "",
        "max_combo_depth": 3,
        "prompt_cache": "auto",
        "provider_prompt_cache": {},
        "combo_prompt_cache": {},
    }
    before = await admin.version()
    body = {
        "account_strategy": "round-robin",
        "provider_account_strategies": {"openai": "least-used"},
        "session_ttl_seconds": 60,
        "global_fallback_model": "demo/gpt-4o-mini",
        "max_combo_depth": 4,
        "prompt_cache": "off",
        "provider_prompt_cache": {"anthropic": "auto"},
        "combo_prompt_cache": {"agents": "off"},
    }
    assert (await admin.client.put("/api/routing", json=body)).status_code == 200
    assert (await admin.client.get("/api/routing")).json() == body
    routing = (await admin.snapshot()).routing
    assert (await admin.version()) > before
    assert routing.account_strategy == "round-robin"
    assert dict(routing.provider_account_strategies) == {"openai": "least-used"}
    assert routing.session_ttl_seconds == 60 and routing.max_combo_depth == 4
    assert routing.global_fallback_model == "demo/gpt-4o-mini"
    assert routing.prompt_cache == "off"
    assert dict(routing.provider_prompt_cache) == {"anthropic": "auto"}
    assert dict(routing.combo_prompt_cache) == {"agents": "off"}
    unknown = await admin.client.put(
        "/api/routing", json={**body, "prompt_cache": "always"}
    )
    assert unknown.status_code == 400 and error_of(unknown)["param"] == "prompt_cache"
    bad = await admin.client.put(
        "/api/routing", json={**body, "account_strategy": "fastest"}
    )
    assert bad.status_code == 400 and error_of(bad)["param"] == "account_strategy"
    negative = await admin.client.put(
        "/api/routing", json={**body, "session_ttl_seconds": -1}
    )
    assert negative.status_code == 400
    assert error_of(negative)["param"] == "session_ttl_seconds"
