"""Forwards ``/api/*`` and ``/dashboard*`` to admin, so users see one origin.

Only those paths reach admin, exactly as written: a path with a ``.`` or
``..`` segment (``/api/../metrics``, however it is encoded) or an empty one
is a 404 here, never normalised into another of admin's paths. Admin's own
address never leaves the edge: a redirect to it (``/api/keys/`` to
``/api/keys``) is rewritten to a path on the edge.
"""

from __future__ import annotations

import aiohttp
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from omniroute.errors import NotFound, Unavailable
from omniroute.runtime import telemetry
from omniroute.runtime.crypto import (
    CLIENT_HEADER,
    CLIENT_SIGNATURE_HEADER,
    OWNER_HEADER,
    OWNER_SIGNATURE_HEADER,
    sign_client,
    sign_owner,
)

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
        CLIENT_HEADER.lower(),
        CLIENT_SIGNATURE_HEADER.lower(),
        OWNER_HEADER.lower(),
        OWNER_SIGNATURE_HEADER.lower(),
    }
)
# A client's own files and batches are served by admin under this prefix.
OWNED_PREFIX = "/internal"


class AdminProxy:
    def __init__(self, admin_url: str, secret: bytes) -> None:
        self._base = admin_url.rstrip("/")
        self._secret = secret
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5),
            auto_decompress=False,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def forward(self, request: Request, owner: str | None = None) -> Response:
        """Forwards ``request`` to the same path at admin; with ``owner`` (a
        client's ``/v1/files`` or ``/v1/batches``), to admin's route for the
        key's own, naming the key in a header only the edge can sign."""
        assert self._session is not None
        path = request.url.path
        if not _plain(path):
            raise NotFound(f"no management path {path}", code="not_found")
        url = self._base + (OWNED_PREFIX + path if owner is not None else path)
        if request.url.query:
            url += "?" + request.url.query
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in _DROPPED
        }
        client = request.client
        if client is not None:
            headers["X-Forwarded-For"] = client.host
            headers[CLIENT_HEADER] = client.host
            headers[CLIENT_SIGNATURE_HEADER] = sign_client(self._secret, client.host)
        headers["X-Forwarded-Proto"] = request.url.scheme
        if owner is not None:
            headers.pop("authorization", None)
            headers.pop("Authorization", None)
            headers[OWNER_HEADER] = owner
            headers[OWNER_SIGNATURE_HEADER] = sign_owner(self._secret, owner)
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
            (k, self._on_edge(v) if k.lower() == "location" else v)
            for k, v in upstream.headers.items()
            if k.lower() not in _DROPPED
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

    def _on_edge(self, location: str) -> str:
        """A redirect to admin's own address, as a path on the edge."""
        if location.startswith(self._base):
            return location[len(self._base) :] or "/"
        return location


def _plain(path: str) -> bool:
    """No dot segments, empty segments or backslashes: nothing a server
    could resolve to a path other than the one written."""
    segments = path.split("/")[1:]
    return (
        "\\" not in path
        and not any(s in (".", "..") for s in segments)
        and "" not in segments[:-1]
    )
