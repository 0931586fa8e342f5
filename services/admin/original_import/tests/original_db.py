"""A small database in the original OmniRoute's layout, for tests.

Tables carry only the columns a test gives (the reader takes ``SELECT *``),
plus the three that tell the original's database from ours.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from services.admin.original_import.decryption import seal_like_original

STORAGE_KEY = "original-storage-key-for-tests"
NODE_ID = "openai-compatible-chat-3f1c9a52-0000-4000-8000-000000000001"
ANTHROPIC_NODE_ID = "anthropic-compatible-5d2e-0000-4000-8000-000000000002"


def sealed(plaintext: str, storage_key: str = STORAGE_KEY) -> str:
    return seal_like_original(storage_key, plaintext, bytes(range(16)))


def _table(
    connection: sqlite3.Connection, name: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    rows = list(rows)
    columns = list(dict.fromkeys(c for row in rows for c in row)) or ["id"]
    quoted = ", ".join(f'"{c}"' for c in columns)
    connection.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({quoted})')
    for row in rows:
        values = [
            json.dumps(v) if isinstance(v, dict | list) else v
            for v in (row.get(c) for c in columns)
        ]
        connection.execute(
            f'INSERT INTO "{name}" ({quoted}) VALUES ({", ".join("?" * len(columns))})',
            values,
        )


def default_tables() -> dict[str, list[dict[str, Any]]]:
    """A node with an encrypted connection, an openai connection, two keys
    (one in clear, one hash-only), two combos (one nested), an alias, a
    price, a budget and two usage rows."""
    return {
        "provider_nodes": [
            {
                "id": NODE_ID,
                "type": "openai-compatible",
                "name": "Sim",
                "prefix": "sim",
                "api_type": "chat",
                "base_url": "http://127.0.0.1:9/v1",
            }
        ],
        "provider_connections": [
            {
                "id": "conn-sim",
                "provider": NODE_ID,
                "auth_type": "apikey",
                "name": "sim-conn",
                "priority": 1,
                "is_active": 1,
                "api_key": sealed("sk-upstream-sim"),
            },
            {
                "id": "conn-openai",
                "provider": "openai",
                "auth_type": "apikey",
                "name": "main",
                "priority": 2,
                "is_active": 1,
                "api_key": "sk-openai-plain",
            },
            {
                "id": "conn-claude",
                "provider": "claude",
                "auth_type": "oauth",
                "name": "me@example.com",
                "priority": 1,
                "is_active": 1,
            },
        ],
        "api_keys": [
            {
                "id": "key-clear",
                "name": "clear",
                "key": "sk-abcdef0123456789-a1b2c3-d4e5f6a7",
                "allowed_models": '["fast"]',
                "no_log": 1,
                "is_active": 1,
                "max_requests_per_minute": 60,
                "created_at": "2026-01-02T03:04:05.000Z",
            },
            {
                "id": "key-hashed",
                "name": "hashed",
                "key": None,
                "key_hash": "ab" * 32,
                "is_active": 1,
                "created_at": "2026-01-02T03:04:05.000Z",
            },
        ],
        "combos": [
            {
                "id": "c1",
                "name": "fast",
                "data": {
                    "name": "fast",
                    "strategy": "priority",
                    "models": [
                        "sim/gpt-4o-mini",
                        {
                            "kind": "model",
                            "providerId": NODE_ID,
                            "model": f"{NODE_ID}/sim-big",
                            "weight": 0,
                        },
                    ],
                },
            },
            {
                "id": "c2",
                "name": "outer",
                "data": {
                    "name": "outer",
                    "strategy": "fusion",
                    "models": [{"kind": "combo-ref", "comboName": "fast", "weight": 1}],
                },
            },
        ],
        "key_value": [
            {"namespace": "modelAliases", "key": "mini", "value": f'"{NODE_ID}/m1"'},
            {"namespace": "modelAliases", "key": "gone", "value": '"antigravity/x"'},
            {
                "namespace": "pricing",
                "key": NODE_ID,
                "value": json.dumps(
                    {"gpt-4o-mini": {"input": 0.5, "output": 1.5, "cached": 0.1}}
                ),
            },
            {
                "namespace": "settings",
                "key": "fallbackStrategy",
                "value": '"round-robin"',
            },
            {"namespace": "settings", "key": "setupComplete", "value": "true"},
            {"namespace": "lkgp", "key": "fast:x", "value": '"sim"'},
        ],
        "domain_budgets": [
            {
                "api_key_id": "key-clear",
                "daily_limit_usd": 5,
                "weekly_limit_usd": 0,
                "monthly_limit_usd": 20,
                "warning_threshold": 0.5,
                "reset_interval": "daily",
                "reset_time": "00:00",
            }
        ],
        "usage_history": [
            {
                "id": 1,
                "provider": NODE_ID,
                "model": "gpt-4o-mini",
                "connection_id": "conn-sim",
                "api_key_id": "key-clear",
                "tokens_input": 1000,
                "tokens_output": 100,
                "tokens_cache_read": 0,
                "tokens_cache_creation": 200,
                "status": "200",
                "success": 1,
                "latency_ms": 120,
                "timestamp": "2026-01-02T03:04:06.000Z",
            },
            {
                "id": 2,
                "provider": NODE_ID,
                "model": "gpt-4o-mini",
                "connection_id": "conn-sim",
                "api_key_id": "key-clear",
                "status": "502",
                "success": 0,
                "error_code": "upstream_error",
                "timestamp": "2026-01-02T03:05:06.000Z",
            },
        ],
    }


def write_original_db(
    path: Path, tables: Mapping[str, list[dict[str, Any]]] | None = None
) -> Path:
    connection = sqlite3.connect(path)
    try:
        for name, rows in (tables or default_tables()).items():
            _table(connection, name, rows)
        for name in ("provider_connections", "key_value", "combos"):
            connection.execute(f'CREATE TABLE IF NOT EXISTS "{name}" (id)')
        connection.commit()
    finally:
        connection.close()
    return path
