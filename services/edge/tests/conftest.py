"""The edge in-process: its app over ASGI, a real Redis, the executor's own
worker in the same event loop and the simulator as providers. No router,
cache or admin process: the routing table is built from the test's snapshot
and installed, an unreachable cache is a miss, as it is in production."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from redis.asyncio import Redis

from omniroute.common.v1 import config_pb2
from omniroute.routing.table import build_table
from omniroute.runtime.crypto import hash_api_key
from omniroute.runtime.redis_keys import RedisKeys
from services.edge.app import create_app, serve
from services.edge.context import EdgeContext, running_edge
from services.edge.settings import EdgeSettings
from services.executor.tests.conftest import (  # noqa: F401 (fixtures)
    Executor,
    Simulator,
    executor,
    simulator,
    snapshot,
)

API_KEY = "sk-edge-component-test"
# What each provider of the executor's fixture serves.
MODELS = {"primary": ["gpt-4o-mini"], "backup": ["gpt-4o"], "claude": ["claude-x"]}

Configure = Callable[[config_pb2.ConfigSnapshot], None]


@dataclass
class Edge:
    http: httpx.AsyncClient
    context: EdgeContext
    simulator: Simulator


def edge_snapshot(
    simulator_url: str, secret: bytes, configure: Configure | None = None
) -> config_pb2.ConfigSnapshot:
    current = snapshot(simulator_url, secret)
    for provider in current.providers:
        provider.models.extend(MODELS[provider.id])
    current.api_keys.append(
        config_pb2.ApiKey(
            id="key-1", name="test", key_hmac=hash_api_key(secret, API_KEY)
        )
    )
    if configure is not None:
        configure(current)
    return current


@pytest.fixture
def configure() -> Configure | None:
    """Overridden by a test module to change the snapshot (limits, filters)."""
    return None


@pytest.fixture
async def edge(
    redis_url: str,
    redis: Redis,
    redis_keys: RedisKeys,
    simulator: Simulator,  # noqa: F811 (the fixture of the same name)
    executor: Executor,  # noqa: F811
    configure: Configure | None,
) -> AsyncIterator[Edge]:
    settings = EdgeSettings(
        redis_url=redis_url,
        key_prefix=redis_keys.prefix,
        # Nothing listens there: the table is installed, the cache misses.
        router_address="127.0.0.1:9",
        cache_address="127.0.0.1:9",
        admin_url="http://127.0.0.1:9",
        cache_lookup_timeout_ms=20,
    )
    current = edge_snapshot(simulator.url, settings.secret, configure)
    await redis.set(redis_keys.config_snapshot, current.SerializeToString())
    await redis.set(redis_keys.config_version, current.version)
    app = create_app(settings)
    async with running_edge(settings) as context:
        context.routes.install(build_table(current, version=1))
        app.state.edge = context
        # The wrappers type a scope as a dict; httpx as a MutableMapping.
        transport = httpx.ASGITransport(app=serve(app))  # type: ignore[arg-type]
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://edge",
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=10,
        ) as http:
            yield Edge(http, context, simulator)
