"""One access line per client request, written when its response has ended.

The line says what a person needs to tell what happened to a request: its
id, method, path, status, the model asked for, the provider and model that
served it, how many attempts that took, the latency and the cache result.
Never the key, the prompt or the answer. Health checks and metric scrapes
are left out: they are polled every few seconds and say nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger("omniroute.edge.access")

_QUIET = frozenset({"/healthz", "/readyz", "/livez", "/metrics"})
ASGIApp = Any


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in _QUIET:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        response: dict[str, Any] = {"status": 500, "request_id": ""}

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                for name, value in message.get("headers") or ():
                    if name.lower() == b"x-request-id":
                        response["request_id"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                response["status"],
                extra=_fields(scope, response, started),
            )


def _fields(
    scope: dict[str, Any], response: dict[str, Any], started: float
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "method": scope["method"],
        "path": scope["path"],
        "status": response["status"],
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    if response["request_id"]:
        fields["request_id"] = response["request_id"]
    exchange = (scope.get("state") or {}).get("exchange")
    if exchange is None:
        return fields
    fields["request_id"] = exchange.request_id
    fields["model"] = exchange.requested_model
    if exchange.started is not None:
        fields["provider"] = exchange.started.provider_id
        fields["served_model"] = exchange.started.model
        fields["attempts"] = exchange.started.fallbacks + 1
    if exchange.cache:
        fields["cache"] = exchange.cache
    if exchange.stream:
        fields["stream"] = True
    if exchange.error:
        fields["error"] = exchange.error[:300]
    return fields
