"""The whole stack with admin on PostgreSQL (the server on 127.0.0.1:5432,
a throw-away database dropped afterwards): keys, usage, history and budgets
through the real services."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import asyncpg
import openai
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import admin_client, poll_until

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

PG_DSN = os.environ.get("OMNIROUTE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


async def _execute(sql: str) -> None:
    conn = await asyncpg.connect(f"{PG_DSN}/postgres", timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    name = f"omniroute_e2e_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_execute(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    running = start_stack(
        tmp_path_factory.mktemp("postgres"), env={"DATABASE_URL": f"{PG_DSN}/{name}"}
    )
    try:
        yield running
    finally:
        running.stop()
        asyncio.run(_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_keys_usage_history_and_budgets_on_postgres(stack: Stack) -> None:
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        created = admin.post("/api/keys", json={"name": "pg"})
        assert created.status_code == 201, created.text
        key_id, key = created.json()["id"], created.json()["key"]
        assert (
            admin.post(
                "/api/usage/budget",
                json={"keyId": key_id, "limit": 5, "period": "daily"},
            ).status_code
            == 200
        )
    with openai.OpenAI(
        base_url=stack.edge_url + "/v1", api_key=key, max_retries=0
    ) as client:

        def answered() -> str | None:
            try:
                reply = client.chat.completions.create(
                    model="demo/gpt-4o-mini",
                    messages=[{"role": "user", "content": "stored in postgres"}],
                )
            except openai.AuthenticationError:
                return None  # the new key is on its way to the edge
            return reply.choices[0].message.content

        assert poll_until(answered, timeout=10) == "Echo: stored in postgres"
    with admin_client(stack.edge_url, stack.admin_key) as admin:

        def recorded() -> list[dict[str, object]]:
            logs = admin.get("/api/usage/logs", params={"api_key_id": key_id}).json()
            return list(logs["entries"])

        [row] = poll_until(recorded, timeout=10)
        assert row["status"] == 200 and row["provider"] == "demo"
        history = admin.get(
            "/api/usage/history", params={"bucket": "hour", "group_by": "provider"}
        ).json()
        demo = [r for r in history["series"] if r["provider"] == "demo"]
        assert sum(r["requests"] for r in demo) >= 1
        assert all("p95Ms" in r for r in demo)
        budget = admin.get("/api/usage/budget", params={"keyId": key_id}).json()
        assert budget["budgets"][0]["limit"] == 5
        health = admin.get("/api/monitoring/health").json()
        assert health["services"]["database"]["status"] == "ok"
    assert not list(stack.data_dir.glob("*.db"))  # no SQLite file: it was PostgreSQL
