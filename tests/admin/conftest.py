"""The real admin app on a real Redis and a real database, driven over HTTP.

Every test runs on SQLite and on PostgreSQL (a throw-away database on the
server at 127.0.0.1:5432, dropped afterwards; skipped when no server
answers). The app runs in-process through its lifespan, reached with
``httpx.AsyncClient`` over ASGI.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from omniroute.common.v1 import config_pb2
from omniroute.runtime.redis_keys import RedisKeys
from services.admin.app import create_app
from services.admin.settings import AdminSettings
from services.simulator.harness import SimulatorProcess

PG_DSN = os.environ.get("OMNIROUTE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
ADMIN_KEY = "sk-or-admin-test-key-0123456789"
INITIAL_PASSWORD = "initial-pass-123"


async def _pg_admin() -> asyncpg.Connection:
    return await asyncpg.connect(f"{PG_DSN}/postgres", timeout=3)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'admin.db'}"
        return
    try:
        conn = await _pg_admin()
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    name = f"omniroute_test_{uuid.uuid4().hex[:12]}"
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        conn = await _pg_admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@dataclass
class AdminHarness:
    client: httpx.AsyncClient
    redis: Redis
    keys: RedisKeys
    settings: AdminSettings
    app: Any
    shutdowns: list[bool] = field(default_factory=list)

    @property
    def ctx(self) -> Any:
        return self.app.state.ctx

    async def snapshot(self) -> config_pb2.ConfigSnapshot:
        raw = await self.redis.get(self.keys.config_snapshot)
        assert raw is not None, "no snapshot in Redis"
        return config_pb2.ConfigSnapshot.FromString(raw)

    async def version(self) -> int:
        return (await self.snapshot()).version

    def anonymous(self) -> httpx.AsyncClient:
        """A client without credentials, on the same app."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://admin.test"
        )


def admin_settings(
    tmp_path: Path, database_url: str, redis_url: str, prefix: str, **extra: Any
) -> AdminSettings:
    # Every field the environment could set is given, so a developer's own
    # OPENAI_API_KEY (say) never leaks into a test.
    values: dict[str, Any] = {
        "environment": "test",
        "redis_url": redis_url,
        "key_prefix": prefix,
        "secret_key": "test-secret-for-admin-tests",
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "admin_api_keys": ADMIN_KEY,
        "initial_password": INITIAL_PASSWORD,
        "login_max_failures": 3,
        "login_lockout_seconds": 60,
        "router_address": "127.0.0.1:1",
        "cache_address": "127.0.0.1:1",
        "log_format": "text",
        "api_keys": "",
        "openai_api_key": None,
        "openai_base_url": "",
        "anthropic_api_key": None,
        "anthropic_base_url": "",
        "gemini_api_key": None,
        "gemini_base_url": "",
        "ollama_base_url": "",
        "demo_provider_url": "",
        "edge_url": "http://127.0.0.1:1",
        "allow_private_provider_urls": False,
        # These tests count providers exactly; the built-in one has its own test.
        "local_embeddings": False,
        **extra,
    }
    return AdminSettings(**values)


@pytest.fixture
def admin_extra() -> dict[str, Any]:
    """Overridden by tests that need other settings."""
    return {}


@pytest.fixture
async def admin(
    redis_url: str,
    redis: Redis,
    redis_keys: RedisKeys,
    database_url: str,
    tmp_path: Path,
    admin_extra: dict[str, Any],
) -> AsyncIterator[AdminHarness]:
    settings = admin_settings(
        tmp_path, database_url, redis_url, redis_keys.prefix, **admin_extra
    )
    shutdowns: list[bool] = []
    app = create_app(settings, request_shutdown=lambda: shutdowns.append(True))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://admin.test",
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
            timeout=30,
        ) as client:
            yield AdminHarness(client, redis, redis_keys, settings, app, shutdowns)
        # Let background tasks (shutdown hooks) finish before the lifespan ends.
        await asyncio.sleep(0)


@pytest.fixture(scope="session")
def simulator() -> Iterator[str]:
    """The provider simulator on a free loopback port (its base URL)."""
    with SimulatorProcess(
        "--chunk-delay-ms", "0", "--require-key", "sk-sim-good"
    ) as sim:
        yield sim.url


@pytest.fixture(scope="session")
def open_simulator() -> Iterator[str]:
    """A simulator that takes any key (local providers such as Ollama send none)."""
    with SimulatorProcess("--chunk-delay-ms", "0") as sim:
        yield sim.url


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "error" in body, body
    return dict(body["error"])
