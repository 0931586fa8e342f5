"""OpenAI-format client endpoints."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from services.edge.codecs import OPENAI_CHAT

router = APIRouter()


@router.post("/v1/chat/completions")
async def chat_completions(request: Request) -> Response:
    """OpenAI Chat Completions, streaming and not, to any configured provider."""
    response: Response = await request.app.state.chat.handle(request, OPENAI_CHAT)
    return response


@router.get("/v1/models")
async def list_models(request: Request) -> Response:
    """Every model the gateway can route, in OpenAI's list format."""
    chat = request.app.state.chat
    chat.authenticate(request)
    table = request.app.state.routes.table
    models = [] if table is None else table.models
    body = {
        "object": "list",
        "data": [
            {
                "id": m.id,
                "object": "model",
                "created": m.created,
                "owned_by": m.owned_by,
            }
            for m in models
        ],
    }
    return Response(orjson.dumps(body), media_type="application/json")
