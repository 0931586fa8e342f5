"""Checks every part of the deployment, for ``/api/monitoring/health``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
import httpx
import orjson
from grpc_health.v1 import health_pb2, health_pb2_grpc
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniroute.runtime.redis_keys import DISPATCH_GROUP, RedisKeys
from omniroute.runtime.streams import group_state

_TIMEOUT_S = 2.0


async def grpc_health(address: str) -> dict[str, Any]:
    started = time.perf_counter()
    async with grpc.aio.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            response = await stub.Check(
                health_pb2.HealthCheckRequest(service=""), timeout=_TIMEOUT_S
            )
        except grpc.aio.AioRpcError as exc:
            return {"status": "down", "address": address, "error": exc.code().name}
    serving = response.status == health_pb2.HealthCheckResponse.SERVING
    return {
        "status": "ok" if serving else "down",
        "address": address,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


async def http_health(url: str) -> dict[str, Any]:
    """An HTTP service's ``/healthz`` (the edge that ``EDGE_URL`` names)."""
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(timeout=_TIMEOUT_S) as client:
            response = await client.get(url.rstrip("/") + "/healthz")
    except httpx.HTTPError as exc:
        return {"status": "down", "url": url, "error": exc.__class__.__name__}
    return {
        "status": "ok" if response.status_code == 200 else "down",
        "url": url,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


async def redis_health(redis: Redis) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(redis.ping(), _TIMEOUT_S)
    except Exception as exc:  # any failure means "down", with its name
        return {"status": "down", "error": exc.__class__.__name__}
    return {
        "status": "ok",
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


async def database_health(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    try:
        async with sessions() as session:
            await asyncio.wait_for(session.execute(text("SELECT 1")), _TIMEOUT_S)
    except Exception as exc:
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "ok"}


async def executors_health(redis: Redis, keys: RedisKeys) -> dict[str, Any]:
    executors = []
    try:
        async for key in redis.scan_iter(
            match=keys.executor_heartbeat_pattern, count=100
        ):
            name = keys.executor_of(key.decode())
            if name is None:
                continue
            raw = await redis.get(key)
            executors.append({"id": name, **(orjson.loads(raw) if raw else {})})
    except Exception as exc:
        return {"status": "down", "error": exc.__class__.__name__, "executors": []}
    return {"status": "ok" if executors else "down", "executors": executors}


async def dispatch_backlog(redis: Redis, keys: RedisKeys) -> dict[str, Any]:
    """Work waiting for executors: the dispatch stream's consumer-group state."""
    try:
        length = await redis.xlen(keys.dispatch)
        group = await group_state(redis, keys.dispatch, DISPATCH_GROUP)
    except Exception as exc:  # no stream yet, or Redis down: say which
        return {"length": 0, "pending": 0, "lag": 0, "error": exc.__class__.__name__}
    return {"length": int(length), "pending": group.pending, "lag": group.lag}
