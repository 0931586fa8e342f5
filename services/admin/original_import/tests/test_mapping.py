"""The mappings of the original's rows, edge cases first (pure, no database)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from omniroute.pricing import PriceBook
from services.admin.original_import import access, providers, routing, settings_map
from services.admin.original_import.decryption import FieldDecryptor
from services.admin.original_import.reading import SourceError, read_original
from services.admin.original_import.records import (
    Connection,
    Node,
    OriginalBudget,
    OriginalCombo,
    OriginalData,
    OriginalKey,
    UsageRow,
)
from services.admin.original_import.report import Report
from services.admin.original_import.tests.original_db import (
    NODE_ID,
    STORAGE_KEY,
    sealed,
    write_original_db,
)
from services.admin.original_import.usage import usage_record

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _node(prefix: str = "sim", **fields: str) -> Node:
    values = {
        "id": NODE_ID,
        "type": "openai-compatible",
        "name": "Sim",
        "prefix": prefix,
        "api_type": "chat",
        "base_url": "http://127.0.0.1:9/v1",
        "chat_path": "",
        "models_path": "",
    }
    return Node(**(values | fields))


def _connection(provider: str = NODE_ID, **fields: object) -> Connection:
    values: dict[str, object] = {
        "id": "conn-1",
        "provider": provider,
        "auth_type": "apikey",
        "name": "c",
        "priority": 1,
        "active": True,
        "api_key": "sk-plain",
        "specific": {},
        "default_model": "",
    }
    return Connection(**(values | fields))  # type: ignore[arg-type]


def _key(**fields: object) -> OriginalKey:
    values: dict[str, object] = {
        "id": "k1",
        "name": "k",
        "key": "sk-m-abc123-deadbeef",
        "key_hash": "",
        "allowed_models": [],
        "no_log": False,
        "active": True,
        "revoked_at": "",
        "expires_at": "",
        "scopes": [],
        "max_requests_per_minute": 0,
        "created_at": "",
    }
    return OriginalKey(**(values | fields))  # type: ignore[arg-type]


def _mapped(data: OriginalData, report: Report, key: str = "") -> providers.ProviderMap:
    _, _, ids = providers.map_providers(data, FieldDecryptor(key), set(), report)
    return ids


def test_a_node_becomes_a_provider_named_by_its_prefix() -> None:
    report = Report("test")
    data = OriginalData("test", nodes=[_node()], connections=[_connection()])
    plans, _, ids = providers.map_providers(data, FieldDecryptor(), set(), report)
    [plan] = plans
    assert (plan.id, plan.kind, plan.source) == ("sim", "openai-compatible", "node")
    assert plan.base_url == "http://127.0.0.1:9/v1"
    [account] = plan.accounts
    assert (account.id, account.credential) == ("orig-conn-1", "sk-plain")
    assert ids.of(NODE_ID) == "sim" and ids.model(f"{NODE_ID}/m") == "sim/m"


def test_anthropic_node_and_its_url() -> None:
    report = Report("test")
    node = _node("an", type="anthropic-compatible", base_url="http://h:1")
    [plan], _, _ = providers.map_providers(
        OriginalData("t", nodes=[node]), FieldDecryptor(), set(), report
    )
    assert (plan.kind, plan.base_url) == ("anthropic", "http://h:1/v1")
    assert "calls http://h:1/v1/messages" in report.notes[0].text


def test_encrypted_credentials_need_the_original_key() -> None:
    data = OriginalData(
        "t",
        nodes=[_node()],
        connections=[_connection(api_key=sealed("sk-secret"))],
    )
    opened = Report("t")
    [plan], _, _ = providers.map_providers(
        data, FieldDecryptor(STORAGE_KEY), set(), opened
    )
    assert plan.accounts[0].credential == "sk-secret"
    for key in ("", "another-key"):
        report = Report("t")
        [plan], _, _ = providers.map_providers(data, FieldDecryptor(key), set(), report)
        assert plan.accounts == []
        assert "encrypted" in report.skipped[0].text
    # A built-in provider without any usable connection is not created.
    report = Report("t")
    openai = OriginalData("t", connections=[_connection("openai", api_key=sealed("x"))])
    plans, _, ids = providers.map_providers(openai, FieldDecryptor(), set(), report)
    assert plans == [] and ids.of("openai") is None
    assert report.skipped[-1].text == "none of its connections was imported"


def test_connections_without_an_equivalent_are_reported() -> None:
    report = Report("t")
    data = OriginalData(
        "t",
        connections=[
            _connection("claude", id="o", auth_type="oauth"),
            _connection("kiro", id="x"),
            _connection("openai", id="y", specific={"baseUrl": "http://p:1/v1"}),
        ],
    )
    plans, _, _ = providers.map_providers(data, FieldDecryptor(), set(), report)
    assert [(p.id, p.base_url, len(p.accounts)) for p in plans] == [
        ("openai", "http://p:1/v1", 1)
    ]
    reasons = [i.text for i in report.skipped]
    assert any("'oauth' connection" in r for r in reasons)
    assert any("no provider 'kiro' here" in r for r in reasons)


def test_a_bad_prefix_is_skipped() -> None:
    report = Report("t")
    plans, _, _ = providers.map_providers(
        OriginalData("t", nodes=[_node("My Node")]), FieldDecryptor(), set(), report
    )
    assert plans == [] and "not a provider id" in report.skipped[0].text


def test_combo_members_strings_objects_and_references() -> None:
    report = Report("t")
    data = OriginalData("t", nodes=[_node()])
    ids = _mapped(data, report)
    combos = [
        OriginalCombo(
            "1",
            "fast",
            {
                "strategy": "weighted",
                "models": [
                    "sim/a",
                    {"kind": "model", "providerId": NODE_ID, "model": "b", "weight": 0},
                    {"kind": "model", "model": f"{NODE_ID}/c", "connectionId": "x"},
                    {"kind": "combo-ref", "comboName": "other", "weight": 3},
                    {"kind": "mystery"},
                ],
            },
        ),
        OriginalCombo("2", "other", {"models": ["gpt-4o"], "strategy": "fusion"}),
        OriginalCombo("3", "bad/name", {"models": ["x"]}),
    ]
    plans = routing.map_combos(
        OriginalData("t", combos=combos), ids, routing.RoutingNames(), report
    )
    by_name = {p.name: p for p in plans}
    assert by_name["fast"].strategy == "weighted"
    assert by_name["fast"].members == [
        {"model": "sim/a", "weight": 0},
        {"model": "sim/b", "weight": 0},
        {"model": "sim/c", "weight": 1},
        {"model": "other", "weight": 3},
    ]
    assert by_name["other"].strategy == "priority"
    notes = " ".join(i.text for i in report.notes)
    assert "pinned to connection x" in notes and "'mystery'" in notes
    assert "'fusion' has no equivalent" in notes
    assert [i.row for i in report.skipped] == ["bad/name"]


def test_weighted_with_only_zero_weights_is_uniform() -> None:
    report = Report("t")
    combo = OriginalCombo(
        "1", "w", {"strategy": "weighted", "models": ["a", {"model": "b", "weight": 0}]}
    )
    [plan] = routing.map_combos(
        OriginalData("t", combos=[combo]),
        providers.ProviderMap(),
        routing.RoutingNames(),
        report,
    )
    assert [m["weight"] for m in plan.members] == [1, 1]


def test_a_combo_in_a_cycle_is_skipped() -> None:
    report = Report("t")
    combos = [
        OriginalCombo("1", "a", {"models": [{"kind": "combo-ref", "comboName": "b"}]}),
        OriginalCombo("2", "b", {"models": [{"kind": "combo-ref", "comboName": "a"}]}),
        OriginalCombo("3", "ok", {"models": ["m"]}),
    ]
    plans = routing.map_combos(
        OriginalData("t", combos=combos),
        providers.ProviderMap(),
        routing.RoutingNames(),
        report,
    )
    # Leaving one out breaks the cycle; the other then nests fine.
    assert {p.name for p in plans} == {"b", "ok"}
    assert [i.row for i in report.skipped] == ["a"]
    assert "contain itself" in report.skipped[0].text


def test_keys_in_clear_and_hash_only() -> None:
    report = Report("t")
    data = OriginalData(
        "t",
        keys=[
            _key(allowed_models=[f"{NODE_ID}/m", "openai/*"], no_log=True),
            _key(id="k2", key="", key_hash="ab" * 32),
            _key(id="k3", key=""),
            _key(id="k4", active=False),
            _key(id="k5", expires_at="2026-01-01T00:00:00.000Z"),
            _key(
                id="k6", expires_at="2027-01-01T00:00:00Z", unmapped={"max_sessions": 2}
            ),
        ],
    )
    ids = providers.ProviderMap(ours={NODE_ID: "sim"})
    plans = {p.id: p for p in access.map_keys(data, ids, NOW, report)}
    assert set(plans) == {"k1", "k4", "k5", "k6"}
    assert plans["k1"].allowed_models == ["sim/m", "openai/*"] and plans["k1"].no_log
    assert plans["k4"].revoked and plans["k5"].revoked
    assert plans["k5"].revoked_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert not plans["k6"].revoked
    skipped = {i.row: i.text for i in report.skipped}
    assert skipped["k (k2)"] == access.HASH_ONLY
    assert "masked" in skipped["k (k3)"]
    notes = " ".join(i.text for i in report.notes)
    assert "patterns" in notes and "do not expire" in notes


def test_budgets_keep_one_limit() -> None:
    report = Report("t")
    budgets = [
        OriginalBudget("k1", 5, 0, 50, 0.5, "monthly", "08:00"),
        OriginalBudget("k2", 0, 3, 0, 0.8, "daily", "00:00"),
        OriginalBudget("k3", 0, 0, 0, 0.8, "daily", "00:00"),
        OriginalBudget("gone", 1, 0, 0, 0.8, "daily", "00:00"),
    ]
    plans = access.map_budgets(
        OriginalData("t", budgets=budgets), {"k1", "k2", "k3"}, report
    )
    assert [(b.key_id, b.limit_usd, b.period) for b in plans] == [
        ("k1", 50, "monthly"),
        ("k2", 3, "weekly"),
    ]
    assert {i.row for i in report.skipped} == {"k3", "gone"}
    assert any("daily limit" in i.text for i in report.notes)
    assert any("00:00 UTC" in i.text for i in report.notes)


def test_aliases_and_prices() -> None:
    report = Report("t")
    ids = providers.ProviderMap(ours={NODE_ID: "sim", "sim": "sim"}, prefixes={"sim"})
    aliases = routing.map_aliases(
        {"a": f"{NODE_ID}/m", "b": "antigravity/x", "c": "fast", "d": "gpt-4o"},
        ids,
        {"fast"},
        report,
    )
    assert [(a.alias, a.target) for a in aliases] == [("a", "sim/m"), ("d", "gpt-4o")]
    data = OriginalData(
        "t",
        pricing={
            NODE_ID: {"m": {"input": 1, "output": 2, "cached": 0.5, "reasoning": 9}},
            "nowhere": {"m": {"input": 1, "output": 2}},
            "openai": {"gpt-4o": {"input": "x", "output": 1}},
        },
    )
    prices = routing.map_prices(data, ids, {"openai"}, report)
    assert [
        (p.provider, p.model, p.input, p.output, p.cached_input) for p in prices
    ] == [("sim", "m", 1.0, 2.0, 0.5)]
    skipped = {i.row for i in report.skipped}
    assert {"nowhere/m", "openai/gpt-4o", "b -> antigravity/x", "c -> fast"} <= skipped


def test_settings_with_and_without_an_equivalent() -> None:
    report = Report("t")
    data = OriginalData(
        "t",
        settings={
            "fallbackStrategy": "p2c",
            "requireLogin": False,
            "password": "$2b$12$x",
            "thinkingBudget": {"mode": "custom", "customBudget": 2048},
            "stickyRoundRobinLimit": 5,
            "setupComplete": True,
        },
        database_settings={"semanticCacheTTL": 60000, "autoVacuumMode": "FULL"},
        proxy={"global": {"type": "socks5", "host": "h", "port": 1}},
    )
    groups = settings_map.map_settings(data, providers.ProviderMap(), report)
    assert groups == {
        "auth": {"require_login": False},
        "thinking_budget": {"mode": "custom", "custom_budget": 2048},
        "cache": {"ttl_seconds": 60},
    }
    skipped = {i.row: i.text for i in report.skipped}
    assert "p2c" in skipped["fallbackStrategy"] and "password" in skipped
    assert "socks5" in skipped["proxyConfig.global"]
    assert skipped["stickyRoundRobinLimit"] == "no equivalent setting here"
    assert any("bookkeeping" in o.reason for o in data.leftovers)


def test_usage_rows() -> None:
    ids = providers.ProviderMap(ours={NODE_ID: "sim"}, accounts={"orig-conn-1"})
    row = UsageRow(
        1,
        NODE_ID,
        "gpt-4o",
        "conn-1",
        "k1",
        1200,
        100,
        300,
        200,
        0,
        "200",
        True,
        50,
        10,
        "",
        "2026-01-02T03:04:05.000Z",
    )
    record = usage_record(row, ids, PriceBook())
    assert record is not None
    assert (record["provider_id"], record["account_id"]) == ("sim", "orig-conn-1")
    # tokens_input counts the cache writes there; prompt_tokens does not here.
    assert (record["prompt_tokens"], record["cached_tokens"]) == (1000, 300)
    assert record["cost_usd"] == pytest.approx(
        (700 * 2.5 + 300 * 1.25 + 200 * 2.5 + 100 * 10) / 1e6
    )
    failed = usage_record(replace(row, status="", success=False), ids, PriceBook())
    assert failed is not None and failed["status"] == 500
    assert usage_record(replace(row, timestamp="yesterday"), ids, PriceBook()) is None


def test_reading_the_original_database(tmp_path: Path) -> None:
    database = write_original_db(tmp_path / "storage.sqlite")
    (tmp_path / ".env").write_text(
        f"# secrets\nSTORAGE_ENCRYPTION_KEY='{STORAGE_KEY}'\n"
    )
    with read_original(tmp_path) as (data, key):
        assert key == STORAGE_KEY
        assert [n.prefix for n in data.nodes] == ["sim"]
        assert {k.id: bool(k.key) for k in data.keys} == {
            "key-clear": True,
            "key-hashed": False,
        }
        assert data.aliases["mini"] == f"{NODE_ID}/m1"
        assert data.settings == {
            "fallbackStrategy": "round-robin",
            "setupComplete": True,
        }
        assert [len(b) for b in data.usage_batches(1)] == [1, 1]
        assert any(o.what == "key_value lkgp" for o in data.leftovers)
    with read_original(database) as (_, key):
        assert key == STORAGE_KEY


def test_reading_refuses_other_files(tmp_path: Path) -> None:
    ours = tmp_path / "ours.sqlite"
    with sqlite3.connect(ours) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num)")
    (tmp_path / "notes.txt").write_text("hello")
    for path, message in (
        (ours, "a database of this gateway"),
        (tmp_path / "notes.txt", "not a data dir"),
        (tmp_path / "missing", "no such file"),
        (tmp_path, "no storage.sqlite"),
    ):
        with pytest.raises(SourceError, match=message), read_original(path):
            pass
