"""Ollama client endpoints (``/api/chat`` NDJSON, ``/api/tags``).

Registered before the ``/api/*`` forwarding to admin, so Ollama clients can
use the gateway as their host directly (and with the ``/v1`` prefix too).
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from omniroute.wire.formats import WireFormat
from services.edge.codecs import OLLAMA

router = APIRouter()


@router.post("/v1/api/chat")
@router.post("/api/chat")
async def chat(request: Request) -> Response:
    """Ollama chat (NDJSON stream by default), to any provider."""
    response: Response = await request.app.state.chat.handle(request, OLLAMA)
    return response


@router.get("/v1/api/tags")
@router.get("/api/tags")
async def tags(request: Request) -> Response:
    """The real catalog of routable models, in Ollama's list format."""
    request.state.wire_format = WireFormat.OLLAMA
    request.app.state.chat.authenticate(request)
    table = request.app.state.routes.table
    models = [
        {
            "name": m.id,
            "model": m.id,
            "modified_at": "1970-01-01T00:00:00Z",
            "size": 0,
            "digest": "",
            "details": {"format": "", "family": m.owned_by, "parameter_size": ""},
        }
        for m in (table.models if table is not None else ())
    ]
    return Response(orjson.dumps({"models": models}), media_type="application/json")
