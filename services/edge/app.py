"""Composition root of the edge: builds every client and wires the routes."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from omniroute.errors import GatewayError, NotFound, error_for_status
from omniroute.resilience.profiles import Resilience
from omniroute.runtime.redis_client import create_redis
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.runtime.snapshot import SnapshotFollower
from omniroute.wire.errors import error_body
from omniroute.wire.formats import WireFormat
from services.edge.access_log import AccessLog
from services.edge.admin_proxy import AdminProxy
from services.edge.admission import Admission
from services.edge.auth import KeyRing
from services.edge.backlog import BacklogMonitor
from services.edge.cache_client import CacheClient
from services.edge.chat import ChatPipeline
from services.edge.conversations import Conversations
from services.edge.dispatcher import Dispatcher
from services.edge.exchange import Recorder, new_request_id
from services.edge.hot_paths import Handler, HotPaths
from services.edge.key_path import KeyInPath
from services.edge.media import MediaPipeline
from services.edge.planner import Planner
from services.edge.routes import (
    admin,
    anthropic_api,
    gemini_api,
    media_api,
    ollama_api,
    openai_api,
    ops,
    providers_api,
    responses_api,
)
from services.edge.routing_client import RoutingTableWatcher
from services.edge.settings import EdgeSettings
from services.edge.usage_events import UsagePublisher

log = logging.getLogger("omniroute.edge")


def create_app(settings: EdgeSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        keys = RedisKeys(settings.key_prefix)
        redis = create_redis(settings.redis_url, blocking=True, max_connections=4096)
        key_ring = KeyRing(settings.secret, settings.require_api_key)
        follower = SnapshotFollower(redis, keys, key_ring.load)
        routes = RoutingTableWatcher(settings.router_address, socket.gethostname())
        cache = CacheClient(
            settings.cache_address, settings.cache_lookup_timeout_ms / 1000
        )
        usage = UsagePublisher(redis, keys)
        proxy = AdminProxy(settings.admin_url)
        backlog = BacklogMonitor(redis, keys)
        follower.add_listener(
            lambda snapshot: setattr(
                backlog,
                "limit",
                Resilience.from_settings(snapshot.resilience).max_dispatch_backlog,
            )
        )
        planner = Planner(redis, keys)
        dispatcher = Dispatcher(redis, keys)
        app.state.follower = follower
        app.state.routes = routes
        app.state.proxy = proxy
        app.state.settings = settings
        app.state.planner = planner
        app.state.dispatcher = dispatcher
        app.state.redis_keys = keys
        admission = Admission(redis, keys)
        follower.add_listener(admission.configure)
        recorder = Recorder(usage, lambda: routes.known_models, admission)
        follower.add_listener(recorder.configure)
        app.state.chat = ChatPipeline(
            settings,
            key_ring,
            routes,
            cache,
            dispatcher,
            planner,
            backlog,
            recorder,
            admission,
            Conversations(redis, keys, settings.responses_store_ttl_s),
        )
        app.state.media = MediaPipeline(
            app.state.chat,
            routes,
            dispatcher,
            planner,
            backlog,
            recorder,
            admission,
        )
        follower.add_listener(app.state.chat.configure)
        await follower.start()
        routes.start()
        usage.start()
        backlog.start()
        dispatcher.start()
        await proxy.start()
        log.info("edge listening", extra={"port": settings.port})
        yield
        await backlog.stop()
        await dispatcher.stop()
        await usage.close()
        await proxy.close()
        await cache.close()
        await routes.stop()
        await follower.stop()
        await redis.aclose()

    app = FastAPI(
        title="OmniRoute",
        summary="One endpoint for every model provider",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.add_exception_handler(GatewayError, _gateway_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_exception_handler(404, _not_found)
    app.add_exception_handler(405, _method_not_allowed)
    for module in (
        openai_api,
        anthropic_api,
        responses_api,
        gemini_api,
        ollama_api,
        media_api,
        providers_api,
        ops,
        admin,  # last: its /api/* catch-all must not shadow Ollama's /api/chat
    ):
        app.include_router(module.router)
    return app


def create_server_app(settings: EdgeSettings) -> KeyInPath:
    """The ASGI app uvicorn serves: a key-scoped path becomes a plain path
    with its key, every request gets its access line, then the hot endpoints
    are served directly and everything else by FastAPI."""
    hot: dict[tuple[str, str], Handler] = {
        ("POST", "/v1/chat/completions"): openai_api.chat_completions,
        ("POST", "/v1/messages"): anthropic_api.messages,
        ("POST", "/v1/responses"): responses_api.responses,
        ("POST", "/api/chat"): ollama_api.chat,
        ("POST", "/v1/api/chat"): ollama_api.chat,
        ("POST", "/api/generate"): ollama_api.generate,
        ("POST", "/v1/api/generate"): ollama_api.generate,
        ("POST", "/api/embed"): ollama_api.embed,
        ("POST", "/v1/api/embed"): ollama_api.embed,
        ("POST", "/v1/embeddings"): media_api.embeddings,
    }
    hot_paths = HotPaths(create_app(settings), hot, _gateway_error, _unexpected_error)  # type: ignore[arg-type]
    return KeyInPath(AccessLog(hot_paths))


_FORMAT_BY_PATH = (
    ("/v1beta", WireFormat.GEMINI),
    ("/v1/messages", WireFormat.ANTHROPIC),
    ("/v1/responses", WireFormat.RESPONSES),
    ("/v1/api/", WireFormat.OLLAMA),
)


def _client_format(request: Request) -> WireFormat:
    """The format errors are rendered in: the endpoint's client format."""
    exchange = getattr(request.state, "exchange", None)
    if exchange is not None:
        return WireFormat(exchange.codec.format)
    declared = getattr(request.state, "wire_format", None)
    if declared is not None:
        return WireFormat(declared)
    path = request.url.path
    if path.startswith("/v1/models/") and ":" in path.rsplit("/", 1)[-1]:
        return WireFormat.GEMINI  # Gemini's /v1/models/{model}:{method}
    if ollama_api.is_ollama_path(path):
        # Ollama's own paths; the rest of /api/* is admin's management API.
        return WireFormat.OLLAMA
    for prefix, fmt in _FORMAT_BY_PATH:
        if path.startswith(prefix):
            return fmt
    return WireFormat.OPENAI_CHAT


def _render(request: Request, err: GatewayError) -> Response:
    exchange = getattr(request.state, "exchange", None)
    request_id = exchange.request_id if exchange is not None else new_request_id()
    headers = {"X-Request-Id": request_id}
    if err.retry_after:
        headers["Retry-After"] = str(err.retry_after)
    return Response(
        orjson.dumps(error_body(_client_format(request), err)),
        status_code=err.status,
        media_type="application/json",
        headers=headers,
    )


async def _gateway_error(request: Request, err: GatewayError) -> Response:
    return _render(request, err)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _render(
        request,
        NotFound(
            f"no such endpoint: {request.method} {request.url.path}", code="not_found"
        ),
    )


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    err = error_for_status(
        405,
        f"{request.method} is not allowed on {request.url.path}",
        code="method_not_allowed",
    )
    err.type = "invalid_request_error"
    return _render(request, err)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Logged with its stack trace for operators; the client gets a clean
    # error in its own format, never the trace.
    log.exception("unexpected error on %s", request.url.path)
    return _render(
        request,
        GatewayError(
            "internal error in the gateway; the request id identifies it in the logs"
        ),
    )
