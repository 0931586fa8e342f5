"""Serves the busiest client endpoints without the framework's layers.

Every chat, embeddings and Ollama request would otherwise pass half a dozen
ASGI middlewares and a router walk before reaching its handler (measured:
about a third of the edge's CPU per request). The handlers are the same
functions FastAPI routes to; errors are rendered by the same handlers, in
the client's format. Everything else (docs, management forwarding, health)
goes through FastAPI as usual.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from omniroute.errors import GatewayError

Handler = Callable[[Request], Awaitable[Response]]
ErrorRenderer = Callable[[Request, Exception], Awaitable[Response]]


class HotPaths:
    """``hot`` names the (method, path) pairs served directly; their handlers
    are the endpoints of the app's ``routes`` for them, so a route is
    declared once, in its router."""

    def __init__(
        self,
        app: FastAPI,
        routes: Iterable[BaseRoute],
        hot: Iterable[tuple[str, str]],
        on_gateway_error: ErrorRenderer,
        on_unexpected_error: ErrorRenderer,
    ) -> None:
        self.app = app
        self._routes = _endpoints(routes, set(hot))
        self._on_gateway_error = on_gateway_error
        self._on_unexpected_error = on_unexpected_error

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        handler = None
        if scope["type"] == "http":
            handler = self._routes.get((scope["method"], scope["path"]))
        if handler is None:
            await self.app(scope, receive, send)
            return
        scope["app"] = self.app
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except GatewayError as err:
            response = await self._on_gateway_error(request, err)
        except Exception as exc:  # rendered, never a stack trace to the client
            response = await self._on_unexpected_error(request, exc)
        await response(scope, receive, send)


def _endpoints(
    routes: Iterable[BaseRoute], hot: set[tuple[str, str]]
) -> dict[tuple[str, str], Handler]:
    found: dict[tuple[str, str], Handler] = {}
    for route in routes:
        if isinstance(route, APIRoute):
            for method in route.methods or ():
                if (method, route.path) in hot:
                    found[(method, route.path)] = route.endpoint
    missing = hot - set(found)
    if missing:
        raise ValueError(f"hot paths with no route: {sorted(missing)}")
    return found
