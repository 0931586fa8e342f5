"""Anthropic Messages client endpoints."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from services.edge.codecs import ANTHROPIC
from services.edge.context import edge

router = APIRouter()


@router.post("/v1/messages")
async def messages(request: Request) -> Response:
    """Anthropic Messages (streaming events and not), to any provider."""
    response: Response = await edge(request).chat.handle(request, ANTHROPIC)
    return response


@router.post("/v1/messages/count_tokens")
async def count_tokens(request: Request) -> Response:
    """Token count of a Messages request: Anthropic's own, else a local estimate."""
    return await edge(request).counting.anthropic(request)
