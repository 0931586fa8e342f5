"""The server span of every request, opened by the same code whether tracing
is on or off, so the path a traced test sees is the path production runs.

The span continues the client's W3C ``traceparent`` and is the parent of
everything the request does at the edge and beyond (cache and router calls,
the dispatch, the executor's upstream call, admin's write). With tracing
off it is one boolean check per request.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace

from omniroute.runtime import telemetry

ASGIApp = Any


class RequestSpan:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not telemetry.enabled():
            await self.app(scope, receive, send)
            return
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in scope.get("headers") or ()
        ]
        with telemetry.span(
            f"{scope['method']} {scope['path']}",
            telemetry.context_from(headers),
            trace.SpanKind.SERVER,
            {"http.request.method": scope["method"], "url.path": scope["path"]},
        ) as span:

            async def send_and_note(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start" and span is not None:
                    span.set_attribute("http.response.status_code", message["status"])
                await send(message)

            await self.app(scope, receive, send_and_note)
