"""Forwards ``/api/*`` and ``/dashboard*`` to admin, so users see one origin."""

from __future__ import annotations

import aiohttp
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from omniroute.errors import Unavailable
from omniroute.runtime import telemetry

# Hop-by-hop headers (RFC 9110 §7.6.1) and those the proxy recomputes.
_DROPPED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        # The edge states who the client is; a client cannot vouch for itself.
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
    }
)


class AdminProxy:
    def __init__(self, admin_url: str) -> None:
        self._base = admin_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5),
            auto_decompress=False,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def forward(self, request: Request) -> Response:
        assert self._session is not None
        url = self._base + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in _DROPPED
        }
        client = request.client
        if client is not None:
            headers["X-Forwarded-For"] = client.host
        headers["X-Forwarded-Proto"] = request.url.scheme
        # The edge's own span is the parent of admin's (when tracing is on).
        headers.update(telemetry.carrier())
        try:
            upstream = await self._session.request(
                request.method,
                url,
                headers=headers,
                data=request.stream(),
                allow_redirects=False,
            )
        except aiohttp.ClientError:
            raise Unavailable(
                "the admin service is not reachable; is it running?", retry_after=2
            ) from None
        response_headers = [
            (k, v) for k, v in upstream.headers.items() if k.lower() not in _DROPPED
        ]
        response = StreamingResponse(
            upstream.content.iter_any(),
            status_code=upstream.status,
            background=BackgroundTask(upstream.release),
        )
        response.raw_headers = [
            *[(k.lower().encode(), v.encode()) for k, v in response_headers],
        ]
        return response
