"""Providers, accounts, nodes and custom models; real calls to the simulator."""

from __future__ import annotations

import io
import tarfile
from typing import Any
from urllib.parse import urlsplit

import pytest

from omniroute.runtime.crypto import unseal, unseal_text
from services.executor.config_view import ConfigView
from tests.admin.conftest import AdminHarness, error_of


async def _sim_provider(admin: AdminHarness, simulator: str, **extra: Any) -> Any:
    body = {
        "id": "sim",
        "kind": "openai-compatible",
        "base_url": simulator + "/v1",
        "api_key": "sk-sim-good",
        "models": ["gpt-4o-mini"],
        **extra,
    }
    response = await admin.client.post("/api/providers", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_crud_keeps_credentials_sealed(admin: AdminHarness) -> None:
    created = await admin.client.post(
        "/api/providers",
        json={
            "id": "acme",
            "base_url": "http://127.0.0.1:9/v1",
            "api_key": "sk-acme-secret-123",
        },
    )
    assert created.status_code == 201
    account = created.json()["accounts"][0]
    assert account["credential"] == "sk-a…-123"
    assert "sk-acme-secret-123" not in (await admin.client.get("/api/providers")).text
    snapshot = await admin.snapshot()
    sealed = snapshot.providers[0].accounts[0].sealed_credential
    assert sealed and b"sk-acme" not in sealed
    duplicate = await admin.client.post(
        "/api/providers", json={"id": "acme", "base_url": "http://x"}
    )
    assert duplicate.status_code == 400 and error_of(duplicate)["param"] == "id"
    bad_kind = await admin.client.post(
        "/api/providers", json={"id": "z", "kind": "nope"}
    )
    assert bad_kind.status_code == 400 and error_of(bad_kind)["param"] == "kind"
    bad_id = await admin.client.post("/api/providers", json={"id": "Bad Id"})
    assert bad_id.status_code == 400 and error_of(bad_id)["param"] == "id"
    assert (await admin.client.delete("/api/providers/acme")).status_code == 204
    assert (await admin.client.get("/api/providers/acme")).status_code == 404


async def test_an_update_without_headers_keeps_the_stored_ones(
    admin: AdminHarness,
) -> None:
    """Headers are never returned, so an edit that does not name them must
    not wipe them; sending ``{}`` clears them on purpose."""
    body = {"id": "hdr", "base_url": "http://127.0.0.1:9/v1", "api_key": "k"}
    created = await admin.client.post(
        "/api/providers", json={**body, "headers": {"X-Org": "team-7"}}
    )
    assert created.status_code == 201
    assert "team-7" not in (await admin.client.get("/api/providers/hdr")).text

    async def stored() -> dict[str, str]:
        snapshot = await admin.snapshot()
        headers = next(p for p in snapshot.providers if p.id == "hdr").headers
        return {k: unseal_text(admin.settings.secret, v) for k, v in headers.items()}

    renamed = {**body, "display_name": "Renamed"}
    assert (await admin.client.put("/api/providers/hdr", json=renamed)).is_success
    assert await stored() == {"X-Org": "team-7"}
    cleared = {**body, "headers": {}}
    assert (await admin.client.put("/api/providers/hdr", json=cleared)).is_success
    assert await stored() == {}


async def test_header_values_are_never_stored_or_exported_in_clear(
    admin: AdminHarness,
) -> None:
    """Custom headers often carry credentials: the database, the snapshot in
    Redis and every export hold them sealed; the executor unseals them."""
    secret_value = "azure-key-5f2a9c7e1b"
    created = await admin.client.post(
        "/api/providers",
        json={
            "id": "azure",
            "base_url": "http://127.0.0.1:9/v1",
            "api_key": "k",
            "headers": {"api-key": secret_value},
        },
    )
    assert created.status_code == 201, created.text
    in_redis = await admin.redis.get(admin.keys.config_snapshot)
    assert in_redis is not None and secret_value.encode() not in in_redis
    for path in ("/api/db-backups/export", "/api/db-backups/exportAll"):
        exported = await admin.client.get(path)
        assert exported.status_code == 200, path
        body = exported.content
        if path.endswith("exportAll"):
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                body = b"".join(
                    extracted.read()
                    for member in tar.getmembers()
                    if (extracted := tar.extractfile(member)) is not None
                )
        assert secret_value.encode() not in body, path
    view = ConfigView(admin.settings.secret)
    view.load(await admin.snapshot())
    assert view.providers["azure"].headers["api-key"] == secret_value


async def test_accounts(admin: AdminHarness) -> None:
    await admin.client.post(
        "/api/providers",
        json={"id": "p", "base_url": "http://127.0.0.1:9", "api_key": "k1"},
    )
    added = await admin.client.post(
        "/api/providers/p/accounts", json={"name": "second", "api_key": "sk-second-key"}
    )
    assert added.status_code == 201, added.text
    account_id = added.json()["id"]
    assert added.json()["priority"] == 2
    snapshot = await admin.snapshot()
    assert [a.id for a in snapshot.providers[0].accounts] == ["p-1", account_id]
    changed = await admin.client.put(
        f"/api/providers/p/accounts/{account_id}",
        json={"priority": 1, "enabled": False},
    )
    assert changed.json()["enabled"] is False
    listed = (await admin.client.get("/api/providers/p/accounts")).json()
    assert {a["id"] for a in listed} == {"p-1", account_id}
    assert (
        await admin.client.delete(f"/api/providers/p/accounts/{account_id}")
    ).status_code == 204
    assert [a.id for a in (await admin.snapshot()).providers[0].accounts] == ["p-1"]
    missing = await admin.client.put("/api/providers/p/accounts/nope", json={})
    assert missing.status_code == 404


async def test_nodes_and_custom_models(admin: AdminHarness) -> None:
    node = await admin.client.post(
        "/api/provider-nodes",
        json={
            "type": "anthropic-compatible",
            "name": "My Claude",
            "prefix": "myc",
            "baseUrl": "http://127.0.0.1:9/v1",
            "apiKey": "sk-node-secret",
        },
    )
    assert node.status_code == 201, node.text
    assert node.json()["node"]["apiKey"] == "sk-n…cret"
    snapshot = await admin.snapshot()
    provider = next(p for p in snapshot.providers if p.id == "myc")
    assert provider.kind == "anthropic" and provider.display_name == "My Claude"
    assert [
        n["prefix"]
        for n in (await admin.client.get("/api/provider-nodes")).json()["nodes"]
    ] == ["myc"]
    model = await admin.client.post(
        "/api/provider-models",
        json={
            "provider": "myc",
            "modelId": "claude-x",
            "apiFormat": "chat-completions",
        },
    )
    assert model.status_code == 201
    provider = next(p for p in (await admin.snapshot()).providers if p.id == "myc")
    assert "claude-x" in provider.models
    renamed = await admin.client.patch(
        "/api/provider-models",
        json={"provider": "myc", "modelId": "claude-x", "modelName": "Claude X"},
    )
    assert renamed.json()["modelName"] == "Claude X"
    unknown = await admin.client.post(
        "/api/provider-models", json={"provider": "ghost", "modelId": "m"}
    )
    assert unknown.status_code == 404
    deleted = await admin.client.delete(
        "/api/provider-models", params={"provider": "myc", "modelId": "claude-x"}
    )
    assert deleted.status_code == 204
    assert (await admin.client.delete("/api/provider-nodes/myc")).status_code == 204
    assert all(p.id != "myc" for p in (await admin.snapshot()).providers)


async def test_provider_test_and_models(admin: AdminHarness, simulator: str) -> None:
    await _sim_provider(admin, simulator)
    listed = await admin.client.post("/api/providers/sim/test")
    assert listed.status_code == 200
    assert listed.json()["ok"] is True and listed.json()["status"] == 200
    assert listed.json()["latencyMs"] > 0
    chat = await admin.client.post(
        "/api/providers/sim/test", json={"model": "gpt-4o-mini"}
    )
    assert chat.json()["ok"] is True
    models = (await admin.client.get("/api/providers/sim/models")).json()
    assert models["source"] == "provider" and "sim-echo" in models["models"]
    await admin.client.post(
        "/api/providers/sim/accounts", json={"id": "bad", "api_key": "sk-wrong"}
    )
    refused = await admin.client.post(
        "/api/providers/sim/test", json={"account_id": "bad"}
    )
    assert refused.json()["ok"] is False and refused.json()["status"] == 401


@pytest.mark.parametrize(
    ("kind", "path"), [("anthropic", "/v1"), ("gemini", "/v1beta"), ("ollama", "")]
)
async def test_each_format(
    admin: AdminHarness, open_simulator: str, kind: str, path: str
) -> None:
    created = await admin.client.post(
        "/api/providers",
        json={
            "id": kind,
            "kind": kind,
            "base_url": open_simulator + path,
            "api_key": "sk-sim-good",
        },
    )
    assert created.status_code == 201, created.text
    models = (await admin.client.get(f"/api/providers/{kind}/models")).json()
    assert models["source"] == "provider" and models["models"], models
    model = models["models"][0]
    probe = await admin.client.post(
        f"/api/providers/{kind}/test", json={"model": model}
    )
    assert probe.json()["ok"] is True, probe.json()


async def test_validate_without_saving(admin: AdminHarness, simulator: str) -> None:
    good = await admin.client.post(
        "/api/providers/validate",
        json={"base_url": simulator + "/v1", "api_key": "sk-sim-good"},
    )
    assert good.json()["valid"] is True and "sim-echo" in good.json()["models"]
    bad = await admin.client.post(
        "/api/providers/validate",
        json={"base_url": simulator + "/v1", "api_key": "sk-nope"},
    )
    assert bad.json()["valid"] is False and bad.json()["status"] == 401
    assert (await admin.client.get("/api/providers")).json()["providers"] == []


METADATA_URLS = [
    "http://169.254.169.254/latest",
    "http://metadata.google.internal/computeMetadata/v1",
    "http://[fd00:ec2::254]/latest",
    "http://[::ffff:169.254.169.254]/latest",
    "http://[fe80::1]:8080/v1",
]


@pytest.mark.parametrize("url", METADATA_URLS)
async def test_metadata_addresses_refused_by_the_probe(
    admin: AdminHarness, url: str
) -> None:
    response = await admin.client.post(
        "/api/providers/validate", json={"base_url": url}
    )
    assert response.status_code == 400, response.text
    assert error_of(response)["code"] == "forbidden_address"


def _storing_routes(url: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every admin route that stores an outbound URL, with ``url`` in it."""
    provider = {"id": "meta", "kind": "openai-compatible", "base_url": url}
    return [
        ("POST", "/api/providers", provider),
        ("PUT", "/api/providers/kept", {**provider, "id": "kept"}),
        ("POST", "/api/provider-nodes", {"prefix": "meta", "baseUrl": url}),
        ("PUT", "/api/settings/proxy", {"url": url}),
        ("PUT", "/api/settings", {"proxy": {"url": url}}),
        (
            "PUT",
            "/api/settings/proxy",
            {
                "level": "global",
                "proxy": {
                    "type": "http",
                    "host": urlsplit(url).hostname,
                    "port": 80,
                },
            },
        ),
    ]


@pytest.mark.parametrize("url", METADATA_URLS)
async def test_metadata_addresses_are_refused_wherever_a_url_is_stored(
    admin: AdminHarness, url: str
) -> None:
    kept = {
        "id": "kept",
        "kind": "openai-compatible",
        "base_url": "http://127.0.0.1:9/v1",
    }
    assert (await admin.client.post("/api/providers", json=kept)).status_code == 201
    for method, path, body in _storing_routes(url):
        response = await admin.client.request(method, path, json=body)
        assert response.status_code == 400, (path, body, response.text)
        assert error_of(response)["code"] == "forbidden_address", path
    providers = (await admin.client.get("/api/providers")).json()["providers"]
    assert [(p["id"], p["base_url"]) for p in providers] == [
        ("kept", "http://127.0.0.1:9/v1")
    ]
    proxy = (await admin.client.get("/api/settings/proxy")).json()
    assert proxy["configured"] is False


@pytest.mark.parametrize("admin_extra", [{"allow_private_provider_urls": True}])
async def test_private_urls_allowed_by_setting(admin: AdminHarness) -> None:
    # Allowed: the guard lets it through (port 9 on loopback stands in, so
    # the test never sends traffic off the machine).
    response = await admin.client.post(
        "/api/providers/validate", json={"base_url": "http://127.0.0.1:9/v1"}
    )
    assert response.status_code == 200 and response.json()["status"] == 0


@pytest.mark.parametrize("admin_extra", [{"local_embeddings": True}])
async def test_the_builtin_local_provider_is_registered_once(
    admin_extra: dict[str, Any], admin: AdminHarness
) -> None:
    providers = (await admin.client.get("/api/providers")).json()["providers"]
    local = next(p for p in providers if p["id"] == "local")
    assert local["source"] == "builtin" and local["kind"] == "local"
    assert local["embedding_models"] == ["all-minilm-l6-v2"]
    snapshot = await admin.snapshot()
    assert "local" in [p.id for p in snapshot.providers]


async def test_provider_kinds_list_the_presets_and_their_defaults_apply(
    admin: AdminHarness,
) -> None:
    listed = await admin.client.get("/api/provider-kinds")
    assert listed.status_code == 200
    kinds = {k["kind"]: k for k in listed.json()["kinds"]}
    groq = kinds["groq"]
    assert groq["label"] == "Groq" and groq["format"] == "openai-chat"
    assert groq["base_url"] == "https://api.groq.com/openai/v1"
    assert kinds["lm-studio"]["key_required"] is False
    assert kinds["anthropic"]["auth"] == "x-api-key"
    assert "cc" in kinds["anthropic"]["aliases"]
    # A provider registered by kind alone gets the preset's URL, models, aliases.
    created = await admin.client.post(
        "/api/providers", json={"id": "deepseek", "kind": "deepseek", "api_key": "sk-d"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["base_url"] == "https://api.deepseek.com/v1"
    assert body["models"] == kinds["deepseek"]["models"]
    assert body["aliases"] == ["ds"]
    assert (await admin.anonymous().get("/api/provider-kinds")).status_code == 401


@pytest.mark.parametrize(
    ("kind", "given", "shown"),
    [
        # ANTHROPIC_BASE_URL as Claude Code and the Anthropic SDK write it.
        ("anthropic", "http://127.0.0.1:9", "http://127.0.0.1:9/v1"),
        ("gemini", "http://127.0.0.1:9/", "http://127.0.0.1:9/v1beta"),
        ("ollama", "127.0.0.1:11434", "http://127.0.0.1:11434"),
        ("openai-compatible", "http://127.0.0.1:9/v1/", "http://127.0.0.1:9/v1"),
    ],
)
async def test_base_urls_are_stored_and_shown_normalised(
    admin: AdminHarness, kind: str, given: str, shown: str
) -> None:
    created = await admin.client.post(
        "/api/providers",
        json={"id": "norm", "kind": kind, "base_url": given, "api_key": "sk-n"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["base_url"] == shown
    listed = (await admin.client.get("/api/providers/norm")).json()
    assert listed["base_url"] == shown
    snapshot = await admin.snapshot()
    assert [p.base_url for p in snapshot.providers if p.id == "norm"] == [shown]


async def test_the_original_connection_bodies(admin: AdminHarness) -> None:
    """The original OmniRoute's ``{provider, apiKey, name}``: a connection is
    an account, added to the provider (made from its preset when new)."""
    first = await admin.client.post(
        "/api/providers",
        json={"provider": "openai", "apiKey": "sk-first-0123456789", "name": "main"},
    )
    assert first.status_code == 201, first.text
    connection = first.json()["connection"]
    assert (connection["provider"], connection["name"]) == ("openai", "main")
    assert connection["isActive"] is True
    second = await admin.client.post(
        "/api/providers",
        json={"provider": "openai", "apiKey": "sk-second-0123456789", "name": "b"},
    )
    assert second.status_code == 201, second.text
    listed = (await admin.client.get("/api/providers")).json()
    assert [c["name"] for c in listed["connections"] if c["provider"] == "openai"] == [
        "main",
        "b",
    ]
    snapshot = await admin.snapshot()
    openai = next(p for p in snapshot.providers if p.id == "openai")
    assert openai.base_url == "https://api.openai.com/v1"
    assert [a.name for a in openai.accounts] == ["main", "b"]
    secret = admin.ctx.settings.secret
    assert {unseal(secret, a.sealed_credential) for a in openai.accounts} == {
        "sk-first-0123456789",
        "sk-second-0123456789",
    }
    # A node made without a key gets it from its first connection, not a
    # second, key-less account that would fail every other request.
    node = await admin.client.post(
        "/api/provider-nodes",
        json={"name": "N", "prefix": "nodeq", "baseUrl": "http://127.0.0.1:9/v1"},
    )
    assert node.status_code == 201, node.text
    filled = await admin.client.post(
        "/api/providers", json={"provider": "nodeq", "apiKey": "sk-node-0123456789"}
    )
    assert filled.status_code == 201, filled.text
    nodeq = next(p for p in (await admin.snapshot()).providers if p.id == "nodeq")
    assert [unseal(secret, a.sealed_credential) for a in nodeq.accounts] == [
        "sk-node-0123456789"
    ]
    unknown = await admin.client.post(
        "/api/providers", json={"provider": "nowhere", "apiKey": "k"}
    )
    assert unknown.status_code == 400
    assert "provider-nodes" in error_of(unknown)["message"]
    neither = await admin.client.post("/api/providers", json={"kind": "openai"})
    assert neither.status_code == 400 and error_of(neither)["param"] == "id"
