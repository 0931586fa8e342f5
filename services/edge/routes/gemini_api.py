"""Gemini client endpoints (``/v1beta``)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from omniroute.errors import NotFound
from omniroute.wire.formats import WireFormat
from services.edge.codecs import GeminiCodec

router = APIRouter()
_ACTIONS = {"generateContent": False, "streamGenerateContent": True}


@router.get("/v1beta/models")
async def list_models(request: Request) -> Response:
    """Every routable model, Gemini-style (``models/<provider>/<model>``)."""
    request.state.wire_format = WireFormat.GEMINI
    request.app.state.chat.authenticate(request)
    table = request.app.state.routes.table
    models = [
        {
            "name": f"models/{m.id}",
            "displayName": m.id,
            "supportedGenerationMethods": list(_ACTIONS),
        }
        for m in (table.models if table is not None else ())
    ]
    return Response(orjson.dumps({"models": models}), media_type="application/json")


@router.post("/v1beta/models/{model_action:path}")
async def generate(request: Request, model_action: str) -> Response:
    """``:generateContent`` and ``:streamGenerateContent``, any provider.

    Streaming is decided by the action in the URL only, as Gemini does; a
    stream is server-sent events with ``?alt=sse``, else one JSON array.
    """
    request.state.wire_format = WireFormat.GEMINI
    model, _, action = model_action.rpartition(":")
    if action not in _ACTIONS or not model:
        raise NotFound(
            f"unknown method '{action}': "
            "use :generateContent or :streamGenerateContent",
            code="not_found",
        )
    codec = GeminiCodec(
        model.removeprefix("models/"),
        _ACTIONS[action],
        sse=request.query_params.get("alt") == "sse",
    )
    response: Response = await request.app.state.chat.handle(request, codec)
    return response
