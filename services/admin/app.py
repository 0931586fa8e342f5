"""Composition root of admin: database, Redis, publisher, consumer, routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import orjson
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from omniroute import outbound_policy
from omniroute.blob_stores import open_blob_store
from omniroute.errors import (
    BadRequest,
    GatewayError,
    MethodNotAllowed,
    NotFound,
    error_for_status,
)
from omniroute.runtime.redis_client import create_redis
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.wire.errors import openai_error_body
from services.admin.batches.jobs import BatchJobs
from services.admin.batches.runner import BatchRunner
from services.admin.bootstrap import bootstrap
from services.admin.context import AdminContext
from services.admin.dashboard import routes as dashboard
from services.admin.db.database import create_engine, migrate, session_factory
from services.admin.login_guard import LoginGuard
from services.admin.routes import (
    audit_log,
    auth,
    availability,
    backups,
    budgets,
    cache,
    cache_health,
    cli_tools,
    client_batches,
    client_files,
    combos,
    evals,
    models,
    monitoring,
    policies,
    pricing,
    provider_accounts,
    provider_checks,
    provider_kinds,
    provider_models,
    provider_nodes,
    providers,
    resilience,
    routing,
    system,
    telemetry,
    unsupported,
    usage,
)
from services.admin.routes import keys as keys_routes
from services.admin.routes import settings as settings_routes
from services.admin.settings import AdminSettings
from services.admin.snapshot import SnapshotPublisher
from services.admin.usage_consumer import UsageConsumer

log = logging.getLogger("omniroute.admin")


def _signal_self() -> None:
    # uvicorn turns SIGTERM into a graceful stop (drain, lifespan shutdown).
    os.kill(os.getpid(), signal.SIGTERM)


def create_app(
    settings: AdminSettings, request_shutdown: Callable[[], None] | None = None
) -> FastAPI:
    """The admin app; ``request_shutdown`` stops the server (default: SIGTERM
    to this process, which uvicorn handles gracefully)."""
    outbound_policy.configure(settings.allow_private_provider_urls)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.resolved_database_url())
        await migrate(engine)
        sessions = session_factory(engine)
        keys = RedisKeys(settings.key_prefix)
        redis = create_redis(settings.redis_url, blocking=True, max_connections=64)
        publisher = SnapshotPublisher(sessions, redis, keys, settings.secret)
        consumer = UsageConsumer(redis, keys, sessions, settings.consumer_name)
        guard = LoginGuard(
            redis, keys, settings.login_max_failures, settings.login_lockout_seconds
        )
        blobs = open_blob_store(settings.blobs_dir(), settings.blob_s3())
        batches = BatchJobs(
            settings.redis_url,
            redis,
            keys,
            sessions,
            BatchRunner(sessions, redis, keys, blobs, settings),
        )

        async def restart() -> None:
            await bootstrap(sessions, settings)
            await guard.reset()

        ctx = AdminContext(
            settings=settings,
            engine=engine,
            sessions=sessions,
            redis=redis,
            keys=keys,
            publisher=publisher,
            login_guard=guard,
            blobs=blobs,
            batches=batches,
            request_shutdown=request_shutdown or _signal_self,
            restart=restart,
            trusted_proxies=AdminContext.trusted(settings),
        )
        # The one root routes reach (services.admin.context.context).
        app.state.ctx = ctx
        await bootstrap(sessions, settings)
        await publisher.publish()
        publisher.start()
        await batches.start_worker()
        stop = asyncio.Event()
        consuming = asyncio.create_task(consumer.run(stop), name="usage-consumer")
        log.info("admin listening", extra={"port": settings.port})
        yield
        stop.set()
        # The consumer may sit in a blocking XREADGROUP for up to a second;
        # cancelling it is safe (events are acked only after commit, and a
        # redelivered one is ignored), so shutdown does not wait for it.
        await asyncio.wait({consuming}, timeout=0.1)
        consuming.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consuming
        await batches.stop()
        await publisher.stop()
        await blobs.aclose()
        await redis.aclose()
        await engine.dispose()

    app = FastAPI(
        title="OmniRoute management API",
        version="0.1.0",
        description="Management API of the OmniRoute gateway. Authenticate with "
        "an admin-scoped API key (Authorization: Bearer) or the dashboard's "
        "auth_token cookie (POST /api/auth/login).",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.add_exception_handler(GatewayError, _gateway_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    # Database and encoding errors are handled below the catch-all, so a
    # client's unstorable text is a plain 400 (the catch-all re-raises).
    app.add_exception_handler(SQLAlchemyError, _unexpected_error)
    app.add_exception_handler(UnicodeError, _unexpected_error)
    app.add_exception_handler(Exception, _unexpected_error)
    # Order matters where paths overlap: /api/usage/budget before
    # /api/usage/{connectionId}, /api/providers/validate before /{id}.
    for module in (
        auth,
        availability,
        provider_checks,
        providers,
        provider_kinds,
        provider_accounts,
        provider_nodes,
        provider_models,
        keys_routes,
        policies,
        combos,
        models,
        routing,
        resilience,
        pricing,
        settings_routes,
        budgets,
        cache_health,
        usage,
        telemetry,
        cache,
        audit_log,
        backups,
        system,
        cli_tools,
        evals,
        monitoring,
        client_files,
        client_batches,
        dashboard,
        unsupported,
    ):
        app.include_router(module.router)

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
    text = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    message = f"{where}: {text}" if where else text
    return _render(BadRequest(message, param=where or None))


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 404:
        return _render(
            NotFound(
                f"no such endpoint: {request.method} {request.url.path}",
                code="not_found",
            )
        )
    if exc.status_code == 405:
        return _render(
            MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        )
    return _render(error_for_status(exc.status_code, str(exc.detail)))


def _unstorable_text(exc: BaseException) -> bool:
    """Text the database cannot store: unpaired surrogates (``"\\ud800"`` in
    JSON decodes to them), or NUL in PostgreSQL. Pydantic accepts both."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UnicodeError):
            return True
        name = type(current).__name__
        if name in _UNSTORABLE_PG_ERRORS or "surrogates not allowed" in str(current):
            return True
        orig = getattr(current, "orig", None)
        current = (
            orig
            if isinstance(orig, BaseException)
            else (current.__cause__ or current.__context__)
        )
    return False


# asyncpg's names for NUL and unencodable characters in text.
_UNSTORABLE_PG_ERRORS = frozenset(
    {"CharacterNotInRepertoireError", "UntranslatableCharacterError"}
)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    if _unstorable_text(exc):
        return _render(
            BadRequest(
                "the request contains text that cannot be stored (NUL characters "
                "or unpaired UTF-16 surrogates)",
                code="invalid_text",
            )
        )
    log.exception("unexpected error on %s", request.url.path)
    return _render(GatewayError("internal error in the admin service; see its logs"))
