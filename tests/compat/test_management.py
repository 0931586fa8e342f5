"""The original OmniRoute's management bodies, sent to it and to us.

Each row is one request, sent to a live original (3.7.9, from npm) and to
our running stack with the same body. Both must answer with the same status
class, and every field a caller of the original reads (``reads``, dotted
paths; ``*`` walks a list) must be in both answers. Rows run in order:
later rows use what earlier ones returned (``{combo_id}``), as a script
written against the original would.

Differences kept on purpose (a 204 where the original answers 200 with
``{"success": true}``, for example) are listed in docs/architecture.md; a
row states them with ``ours_status``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from omniroute.stack import Stack
from tests.compat.original import Original

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    body: Any = None
    reads: tuple[str, ...] = ()
    # Values the next rows use: placeholder -> dotted path in the answer,
    # taken from each side's own answer.
    keeps: dict[str, str] = field(default_factory=dict)
    # Our status where it differs on purpose (documented); else same class.
    ours_status: int | None = None
    # Where both must hold the same value (not only have the field).
    equal: tuple[str, ...] = ()


ROWS = (
    # -- combos: the original's three member spellings -------------------
    Row(
        "combo from model strings",
        "POST",
        "/api/combos",
        {"name": "compat-a", "models": ["demo/gpt-4o-mini", "demo/gpt-4o"]},
        reads=("id", "name", "strategy", "models.*.model", "models.*.kind"),
        keeps={"combo_a": "id"},
        equal=("name", "strategy"),
    ),
    Row(
        "combo from kind:model objects and a combo-ref",
        "POST",
        "/api/combos",
        {
            "name": "compat-b",
            "strategy": "weighted",
            "models": [
                {
                    "kind": "model",
                    "provider": "demo",
                    "model": "gpt-4o-mini",
                    "weight": 3,
                    "connectionId": None,
                },
                {"model": "demo/gpt-4o", "weight": 1},
                {"kind": "combo-ref", "comboName": "compat-a"},
            ],
        },
        reads=("id", "name", "models.*.kind", "models.*.weight"),
        keeps={"combo_b": "id"},
        equal=("name", "strategy"),
    ),
    Row("combos list", "GET", "/api/combos", reads=("combos.*.id", "combos.*.name")),
    Row(
        "combo by id",
        "GET",
        "/api/combos/{combo_b}",
        reads=("id", "name", "models"),
        equal=("name",),
    ),
    Row(
        "combo partial update by id",
        "PUT",
        "/api/combos/{combo_b}",
        {"strategy": "priority"},
        reads=("id", "name", "strategy", "models"),
        equal=("name", "strategy"),
    ),
    # -- aliases ----------------------------------------------------------
    Row(
        "alias set with PUT {model, alias}",
        "PUT",
        "/api/models/alias",
        {"model": "demo/gpt-4o-mini", "alias": "compat-fast"},
        reads=("alias", "model"),
        equal=("alias", "model"),
    ),
    Row(
        "alias table",
        "GET",
        "/api/models/alias",
        reads=("aliases.compat-fast",),
        equal=("aliases.compat-fast",),
    ),
    Row(
        "one alias resolved",
        "GET",
        "/api/models/alias?alias=compat-fast",
        reads=("alias", "resolved.provider", "resolved.model", "resolved.qualifiedId"),
        equal=("alias", "resolved.qualifiedId"),
    ),
    Row(
        "alias delete",
        "DELETE",
        "/api/models/alias?alias=compat-fast",
        ours_status=204,
    ),
    # -- keys -------------------------------------------------------------
    Row(
        "key create: the plaintext key at the top level",
        "POST",
        "/api/keys",
        {"name": "compat-key", "noLog": True},
        reads=("id", "key", "name", "noLog"),
        keeps={"key_id": "id"},
        equal=("name", "noLog"),
    ),
    Row(
        "keys list: masked keys, camelCase, total",
        "GET",
        "/api/keys",
        reads=(
            "keys.*.id",
            "keys.*.name",
            "keys.*.key",
            "keys.*.noLog",
            "keys.*.isActive",
            "keys.*.createdAt",
            "total",
        ),
    ),
    # -- providers and nodes ---------------------------------------------
    Row(
        "connection create {provider, apiKey, name}",
        "POST",
        "/api/providers",
        {"provider": "openai", "apiKey": "sk-compat-0123456789", "name": "main"},
        reads=(
            "connection.id",
            "connection.provider",
            "connection.name",
            "connection.isActive",
        ),
        equal=("connection.provider", "connection.name"),
    ),
    Row(
        "connections list",
        "GET",
        "/api/providers",
        reads=("connections.*.id", "connections.*.provider", "connections.*.name"),
    ),
    Row(
        "provider node create",
        "POST",
        "/api/provider-nodes",
        {
            "name": "Compat node",
            "prefix": "compatnode",
            "apiType": "chat",
            "baseUrl": "http://127.0.0.1:9/v1",
            "type": "openai-compatible",
        },
        reads=("node.id", "node.prefix", "node.baseUrl", "node.type", "node.apiType"),
        equal=("node.prefix", "node.type", "node.apiType"),
    ),
    Row("provider nodes list", "GET", "/api/provider-nodes", reads=("nodes.*.id",)),
    # -- pricing: USD per 1M tokens, provider -> model --------------------
    Row(
        "pricing patch",
        "PATCH",
        "/api/pricing",
        {"demo": {"compat-model": {"input": 1.5, "output": 6}}},
        reads=("demo.compat-model.input", "demo.compat-model.output"),
        equal=("demo.compat-model.input", "demo.compat-model.output"),
    ),
    Row(
        "pricing read",
        "GET",
        "/api/pricing",
        reads=("demo.compat-model.input",),
        equal=("demo.compat-model.input", "demo.compat-model.output"),
    ),
    # -- budgets ----------------------------------------------------------
    Row(
        "budget set {apiKeyId, dailyLimitUsd}",
        "POST",
        "/api/usage/budget",
        {"apiKeyId": "{key_id}", "dailyLimitUsd": 5},
        reads=("success", "apiKeyId", "budget.dailyLimitUsd", "budget.resetInterval"),
        equal=("budget.dailyLimitUsd", "budget.resetInterval"),
    ),
    Row(
        "budget of one key",
        "GET",
        "/api/usage/budget?apiKeyId={key_id}",
        reads=(
            "activeLimitUsd",
            "resetInterval",
            "dailyLimitUsd",
            "budgetCheck.allowed",
        ),
        equal=("activeLimitUsd", "resetInterval", "budgetCheck.allowed"),
    ),
    # -- settings, cache, health ------------------------------------------
    Row(
        "settings: flat camelCase",
        "GET",
        "/api/settings",
        reads=("requireLogin",),
        equal=("requireLogin",),
    ),
    Row(
        "IP filter",
        "PUT",
        "/api/settings/ip-filter",
        {
            "enabled": False,
            "mode": "blacklist",
            "blacklist": ["203.0.113.7"],
            "whitelist": [],
        },
        reads=("enabled", "mode", "blacklist"),
        equal=("enabled", "mode", "blacklist"),
    ),
    Row(
        "system prompt",
        "PUT",
        "/api/settings/system-prompt",
        # 3.7's body; 3.8 reads its ``prompt`` as the suffix, and so do we.
        {"enabled": False, "prompt": "Be precise."},
        reads=("enabled",),
        equal=("enabled",),
    ),
    Row(
        "thinking budget",
        "PUT",
        "/api/settings/thinking-budget",
        {"mode": "custom", "customBudget": 4096},
        reads=("mode", "customBudget"),
        equal=("mode", "customBudget"),
    ),
    Row(
        "settings: a flat camelCase change",
        "PATCH",
        "/api/settings",
        {"requireLogin": True},
        reads=("requireLogin",),
        equal=("requireLogin",),
    ),
    Row(
        "outbound proxy set at the global level",
        "PUT",
        "/api/settings/proxy",
        {
            "level": "global",
            "proxy": {"type": "http", "host": "127.0.0.1", "port": 3128},
        },
        reads=("global.host", "global.port", "providers", "combos", "keys"),
        equal=("global.host", "global.port"),
    ),
    Row(
        "outbound proxy removed",
        "PUT",
        "/api/settings/proxy",
        {"level": "global", "proxy": None},
        reads=("providers",),
    ),
    Row(
        "outbound proxy by level",
        "GET",
        "/api/settings/proxy",
        reads=("global", "providers", "combos", "keys"),
    ),
    Row(
        "cache stats",
        "GET",
        "/api/cache/stats",
        reads=("size", "maxSize", "hits", "misses", "hitRate"),
    ),
    # -- usage, logs, operations -------------------------------------------
    Row("request logs", "GET", "/api/usage/request-logs"),
    Row("usage logs", "GET", "/api/usage/logs"),
    Row(
        "usage history",
        "GET",
        "/api/usage/history",
        reads=("totalRequests", "byProvider", "byModel"),
    ),
    Row("policies", "GET", "/api/policies", reads=("lockedIdentifiers",)),
    Row("eval suites", "GET", "/api/evals", reads=("suites",)),
    Row("database backups", "GET", "/api/db-backups", reads=("backups",)),
    Row(
        "CLI tool settings",
        "GET",
        "/api/cli-tools/claude-settings",
        reads=("installed", "runnable", "command", "runtimeMode", "reason"),
    ),
    Row(
        "key update",
        "PATCH",
        "/api/keys/{key_id}",
        {"name": "compat-key-renamed", "noLog": False},
        reads=("name",),
        equal=("name",),
    ),
    Row("key delete", "DELETE", "/api/keys/{key_id}", ours_status=204),
    Row("combo delete by id", "DELETE", "/api/combos/{combo_b}", ours_status=204),
)


def values_at(data: Any, path: str) -> list[Any]:
    """The values at a dotted path; ``*`` walks every item of a list.
    An empty list means the path is not there."""
    found = [data]
    for part in path.split("."):
        step: list[Any] = []
        for value in found:
            if part == "*" and isinstance(value, list):
                step.extend(value)
            elif isinstance(value, dict) and part in value:
                step.append(value[part])
        found = step
    return found


def fill(value: Any, kept: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: kept[m.group(1)], value)
    if isinstance(value, list):
        return [fill(v, kept) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, kept) for k, v in value.items()}
    return value


@dataclass
class Side:
    name: str
    http: httpx.Client
    kept: dict[str, str] = field(default_factory=dict)

    def send(self, row: Row) -> httpx.Response:
        return self.http.request(
            row.method,
            fill(row.path, self.kept),
            json=fill(row.body, self.kept) if row.body is not None else None,
        )


@pytest.fixture(scope="module")
def sides(original: Original, stack: Stack) -> Iterator[tuple[Side, Side]]:
    ours = httpx.Client(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.admin_key}"},
        timeout=30,
    )
    # The original's "demo" pricing rows need a provider of that name to
    # mean anything; ours has the demo provider already.
    with ours:
        yield Side("original", original.admin), Side("ours", ours)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_the_original_body_is_accepted_and_answered_readably(
    row: Row, sides: tuple[Side, Side]
) -> None:
    theirs, ours = sides
    answers = {side.name: side.send(row) for side in sides}
    original, mine = answers["original"], answers["ours"]
    assert original.status_code < 300, (
        f"the reference itself refused the row: {original.status_code} "
        f"{original.text[:300]}"
    )
    expected = row.ours_status or original.status_code
    assert mine.status_code // 100 == expected // 100, (
        f"ours answered {mine.status_code} {mine.text[:500]}; the original "
        f"{original.status_code}"
    )
    if row.ours_status is not None:
        assert mine.status_code == row.ours_status
    data = {"original": _json(original), "ours": _json(mine)}
    for path in row.reads:
        for side_name, body in data.items():
            assert values_at(body, path), (
                f"{side_name} has no '{path}' in {str(body)[:600]}"
            )
    for path in row.equal:
        assert values_at(data["ours"], path) == values_at(data["original"], path), path
    for side in (theirs, ours):
        for placeholder, path in row.keeps.items():
            side.kept[placeholder] = str(values_at(data[side.name], path)[0])


def test_health_answers_without_credentials(original: Original, stack: Stack) -> None:
    """Load balancers and the original's monitors poll health with no key."""
    for url in (original.url, stack.edge_url):
        answer = httpx.get(f"{url}/api/monitoring/health", timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "healthy"
    ours = httpx.get(f"{stack.edge_url}/api/monitoring/health", timeout=30).json()
    assert "services" not in ours  # service addresses and errors are for admins
