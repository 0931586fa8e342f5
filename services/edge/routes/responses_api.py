"""OpenAI Responses client endpoint."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from services.edge.codecs import RESPONSES
from services.edge.context import edge

router = APIRouter()


@router.post("/v1/responses")
async def responses(request: Request) -> Response:
    """OpenAI Responses (with its streaming event sequence), to any provider."""
    response: Response = await edge(request).chat.handle(request, RESPONSES)
    return response
