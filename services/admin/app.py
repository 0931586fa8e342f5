"""Composition root of admin: database, Redis, publisher, consumer, routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from omniroute.errors import BadRequest, GatewayError, NotFound
from omniroute.runtime.redis_client import create_redis
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.wire.errors import openai_error_body
from services.admin.bootstrap import bootstrap
from services.admin.db.database import create_engine, migrate, session_factory
from services.admin.routes import monitoring, providers, usage
from services.admin.settings import AdminSettings
from services.admin.snapshot import SnapshotPublisher
from services.admin.usage_consumer import UsageConsumer

log = logging.getLogger("omniroute.admin")


def create_app(settings: AdminSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.resolved_database_url())
        await migrate(engine)
        sessions = session_factory(engine)
        keys = RedisKeys(settings.key_prefix)
        redis = create_redis(settings.redis_url, blocking=True, max_connections=64)
        publisher = SnapshotPublisher(sessions, redis, keys)
        consumer = UsageConsumer(redis, keys, sessions, settings.consumer_name)
        app.state.settings = settings
        app.state.sessions = sessions
        app.state.redis = redis
        app.state.keys = keys
        app.state.publisher = publisher
        await bootstrap(sessions, settings)
        await publisher.publish()
        publisher.start()
        stop = asyncio.Event()
        consuming = asyncio.create_task(consumer.run(stop), name="usage-consumer")
        log.info("admin listening", extra={"port": settings.port})
        yield
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(consuming, 5.0)
        await publisher.stop()
        await redis.aclose()
        await engine.dispose()

    app = FastAPI(
        title="OmniRoute management API",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.add_exception_handler(GatewayError, _gateway_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_exception_handler(404, _not_found)
    app.include_router(providers.router)
    app.include_router(usage.router)
    app.include_router(monitoring.router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return app


def _render(err: GatewayError) -> Response:
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after else None
    return Response(
        orjson.dumps(openai_error_body(err)),
        status_code=err.status,
        media_type="application/json",
        headers=headers,
    )


async def _gateway_error(_: Request, err: GatewayError) -> Response:
    return _render(err)


async def _validation_error(_: Request, exc: RequestValidationError) -> Response:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = (
        f"{where}: {first.get('msg', 'invalid value')}" if where else "invalid request"
    )
    return _render(BadRequest(message, param=where or None))


async def _not_found(request: Request, _: Exception) -> Response:
    return _render(
        NotFound(
            f"no such endpoint: {request.method} {request.url.path}", code="not_found"
        )
    )


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    return _render(GatewayError("internal error in the admin service; see its logs"))
