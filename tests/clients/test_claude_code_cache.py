"""Claude Code's own prompt-cache breakpoints survive the gateway: a ten-turn
conversation (``claude -p`` then ``--continue``) over a pool of three
Anthropic accounts taken round-robin reads the provider cache on every turn
after the first, because the prefix stays on the account that holds it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients.harness import Gateway
from tests.clients.install import Clients
from tests.clients.test_claude_code import DEFAULT_MODEL, claude
from tests.helpers import admin_client, poll_until

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

PROVIDER = "demo-anthropic"
TURNS = 10


def _admin(gateway: Gateway) -> httpx.Client:
    return admin_client(gateway.url, gateway.stack.admin_key)


def _version(gateway: Gateway) -> int:
    health = httpx.get(gateway.url + "/healthz").json()
    return int(health["config_version"] or 0)


def _put_routing(gateway: Gateway, routing: dict[str, Any]) -> None:
    before = _version(gateway)
    with _admin(gateway) as admin:
        response = admin.put("/api/routing", json=routing)
        assert response.status_code == 200, response.text
    poll_until(lambda: _version(gateway) > before, timeout=5)


@pytest.fixture
def pool(gateway: Gateway) -> Iterator[None]:
    """Two more accounts on the demo Anthropic provider, round-robin."""
    with _admin(gateway) as admin:
        routing = admin.get("/api/routing").json()
        added = []
        for number in (2, 3):
            response = admin.post(
                f"/api/providers/{PROVIDER}/accounts",
                json={"id": f"cc-pool-{number}", "api_key": f"sk-cc-pool-{number}"},
            )
            assert response.status_code == 201, response.text
            added.append(response.json()["id"])
    strategies = {**routing["provider_account_strategies"], PROVIDER: "round-robin"}
    _put_routing(gateway, {**routing, "provider_account_strategies": strategies})
    try:
        yield
    finally:
        _put_routing(gateway, routing)
        with _admin(gateway) as admin:
            for account in added:
                admin.delete(f"/api/providers/{PROVIDER}/accounts/{account}")


def _turns(gateway: Gateway, since: datetime) -> list[dict[str, Any]]:
    """Claude Code's main-model requests since ``since``, oldest first."""
    with _admin(gateway) as admin:
        page = admin.get(
            "/api/usage/request-logs",
            params={"since": since.isoformat(), "provider": PROVIDER, "limit": 500},
        ).json()
    rows = [e for e in page["entries"] if e["requested_model"] == DEFAULT_MODEL]
    return sorted(rows, key=lambda e: e["timestamp"])


def test_a_ten_turn_session_reads_the_cache_every_turn(
    clients: Clients, gateway: Gateway, home: Path, pool: None
) -> None:
    since = datetime.now(UTC)
    claude(clients, gateway, home, "turn 1 of a long session")
    for number in range(2, TURNS + 1):
        claude(clients, gateway, home, "--continue", f"turn {number} of it")
    turns = poll_until(
        lambda: (rows := _turns(gateway, since)) and len(rows) >= TURNS and rows,
        timeout=10,
    )
    assert len(turns) == TURNS, [t["request_id"] for t in turns]
    assert turns[0]["cached_tokens"] == 0 and turns[0]["cache_creation_tokens"] > 0
    reads = [t["cached_tokens"] for t in turns[1:]]
    assert all(read > 1024 for read in reads), reads
    assert len({t["account"] for t in turns}) == 1, [t["account"] for t in turns]
