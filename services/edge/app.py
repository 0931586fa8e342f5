"""The edge's served app: the routes, the error rendering, and the ASGI
wrappers every request passes (the clients themselves are built in
``context.py``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from omniroute.errors import GatewayError, NotFound, error_for_status
from omniroute.wire.errors import error_body
from omniroute.wire.formats import WireFormat
from services.edge.access_log import AccessLog
from services.edge.client_paths import ANTHROPIC_PREFIX
from services.edge.context import EdgeContext, running_edge
from services.edge.exchange import new_request_id
from services.edge.gate import ClientGate
from services.edge.hot_paths import HotPaths
from services.edge.key_path import KeyInPath
from services.edge.ollama_paths import is_ollama_path
from services.edge.request_span import RequestSpan
from services.edge.routes import (
    admin,
    anthropic_api,
    files_api,
    gemini_api,
    media_api,
    ollama_api,
    openai_api,
    ops,
    providers_api,
    quotas_api,
    responses_api,
)
from services.edge.routes.gemini_api import is_gemini_client
from services.edge.settings import EdgeSettings

log = logging.getLogger("omniroute.edge")

ROUTERS = (
    openai_api,
    anthropic_api,
    responses_api,
    gemini_api,
    ollama_api,
    media_api,
    files_api,
    providers_api,
    quotas_api,
    ops,
    admin,  # last: its /api/* catch-all must not shadow Ollama's /api/chat
)


def create_app(settings: EdgeSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running_edge(settings) as context:
            app.state.edge = context
            yield

    app = FastAPI(
        title="OmniRoute",
        summary="One endpoint for every model provider",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
        # Request spans are the edge's own (request_span.py), for every path.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.add_exception_handler(GatewayError, _gateway_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_exception_handler(404, _not_found)
    app.add_exception_handler(405, _method_not_allowed)
    for module in ROUTERS:
        app.include_router(module.router)
    return app


# Served without the framework's layers (hot_paths.py); declared in their
# routers like every other route.
HOT_PATHS = (
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/completions"),
    ("POST", "/v1/messages"),
    ("POST", "/v1/responses"),
    ("POST", "/api/chat"),
    ("POST", "/v1/api/chat"),
    ("POST", "/api/generate"),
    ("POST", "/v1/api/generate"),
    ("POST", "/api/embed"),
    ("POST", "/v1/api/embed"),
    ("POST", "/v1/embeddings"),
)


def create_server_app(settings: EdgeSettings) -> KeyInPath:
    """The ASGI app uvicorn serves."""
    return serve(create_app(settings))


def serve(app: FastAPI) -> KeyInPath:
    """``app`` wrapped as every request meets it, outermost first: a key in
    the URL becomes a header and an alias the path it is served as
    (``key_path.py``); the request's span opens; its access line is written
    when it ends; the gate admits it at its door; then the hot endpoints are
    served directly, the rest by FastAPI."""
    routes = [route for module in ROUTERS for route in module.router.routes]
    hot = HotPaths(app, routes, HOT_PATHS, _gateway_error, _unexpected_error)  # type: ignore[arg-type]
    gated = ClientGate(hot, lambda: edge_of(app).gate, _gateway_error)
    return KeyInPath(RequestSpan(AccessLog(gated)))


def edge_of(app: FastAPI) -> EdgeContext:
    context: EdgeContext = app.state.edge
    return context


_FORMAT_BY_PATH = (
    ("/v1beta", WireFormat.GEMINI),
    ("/v1/messages", WireFormat.ANTHROPIC),
    # An Anthropic base URL's unknown paths (its /v1 ones are served).
    (ANTHROPIC_PREFIX, WireFormat.ANTHROPIC),
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
    if path.startswith("/v1/models") and is_gemini_client(request):
        return WireFormat.GEMINI  # Gemini's list and get share OpenAI's paths
    if path.startswith("/v1/models/") and ":" in path.rsplit("/", 1)[-1]:
        return WireFormat.GEMINI  # Gemini's /v1/models/{model}:{method}
    if is_ollama_path(path):
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
