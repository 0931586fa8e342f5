"""The one admission gate every client route passes, by construction.

Every HTTP request the edge serves goes through ``ClientGate`` before any
handler runs, and the gate decides by the request's *door*, not by the
handler remembering to ask: a client route (anything not listed below as
another door, so a route added tomorrow is a client route) must come from
an address the IP filter lets in and carry a valid API key; the caller is
then in the request's state for the handler (``caller_of``). The other
doors: the edge's own health and metrics and its API docs (``OPS``, no
gate: probes and scrapers), Ollama's probes ``/`` and ``/api/version``
(``KEYLESS``: the IP filter applies, no key, as real Ollama needs none),
and the management API and dashboard (``MANAGEMENT``: forwarded to admin,
which authenticates them itself and keeps its own login guard).

Whether the key may use the model it asks for is decided once the model is
known, by the shared dispatch path (``dispatch_path.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from omniroute.errors import GatewayError
from omniroute.netaddr import IPNetwork, client_address
from services.edge.admission import Admission
from services.edge.auth import Caller, KeyRing
from services.edge.ollama_paths import is_ollama_path


class Door(Enum):
    CLIENT = "client"
    KEYLESS = "keyless"
    MANAGEMENT = "management"
    OPS = "ops"


_OPS = frozenset({"/healthz", "/metrics", "/docs", "/docs/oauth2-redirect"})
_OPS_PREFIXES = ("/openapi.json",)
_KEYLESS = frozenset({"/", "/api/version", "/v1/api/version"})


def door_of(path: str) -> Door:
    """Which door ``path`` is: everything not named here is a client route."""
    if path in _OPS or path.startswith(_OPS_PREFIXES):
        return Door.OPS
    if path in _KEYLESS:
        return Door.KEYLESS
    if is_ollama_path(path):
        return Door.CLIENT
    if path.startswith(("/api/", "/dashboard")) or path == "/api":
        return Door.MANAGEMENT
    return Door.CLIENT


class Gate:
    """Who may come in: the IP filter, then the key."""

    def __init__(
        self, keys: KeyRing, admission: Admission, trusted: list[IPNetwork]
    ) -> None:
        self._keys = keys
        self._admission = admission
        self._trusted = trusted

    def client_address(self, request: HTTPConnection) -> str:
        peer = request.client.host if request.client is not None else ""
        return client_address(
            peer, request.headers.getlist("x-forwarded-for"), self._trusted
        )

    def admit(self, request: HTTPConnection, door: Door) -> Caller | None:
        """The caller behind ``request``, or None at a keyless door; raises
        403 for an address the filter keeps out and 401 for a bad key."""
        self._admission.check_address(self.client_address(request))
        if door is Door.KEYLESS:
            return None
        return self._keys.authenticate(request)


def caller_of(request: Request) -> Caller:
    """The caller the gate admitted for this request."""
    caller = request.scope.get("state", {}).get("caller")
    if not isinstance(caller, Caller):
        # Only reachable if a client route were served without the gate.
        raise GatewayError("the request was not admitted by the gateway's gate")
    return caller


ErrorRenderer = Callable[[Request, GatewayError], Awaitable[Response]]
ASGIApp = Any


class ClientGate:
    """ASGI wrapper: every request meets ``Gate`` at its door before the app.

    ``gate`` is looked up per request because the gate is built in the
    app's lifespan, after this wrapper exists.
    """

    def __init__(
        self, app: ASGIApp, gate: Callable[[], Gate], render: ErrorRenderer
    ) -> None:
        self.app = app
        self._gate = gate
        self._render = render

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        door = door_of(scope["path"])
        if door in (Door.CLIENT, Door.KEYLESS):
            request = Request(scope, receive)
            try:
                caller = self._gate().admit(request, door)
            except GatewayError as err:
                response = await self._render(request, err)
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)
