"""Dedicated provider routes: ``/v1/providers/{provider}/chat/completions``.

The provider prefix is added to the model when missing; a model whose
prefix names another provider is a 400 rather than a silent reroute.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from omniroute.errors import BadRequest
from services.edge.codecs import OPENAI_CHAT
from services.edge.context import edge

router = APIRouter()


def provider_pin(request: Request, provider: str) -> Callable[[str], str]:
    """A model rewrite that pins requests to ``provider`` (400 if unknown)."""
    table = edge(request).routes.table
    prefixes = table.prefixes if table is not None else {}
    if provider not in prefixes:
        raise BadRequest(f"Unknown provider: {provider}", code="unknown_provider")
    provider_id = prefixes[provider].provider_id

    def pin(model: str) -> str:
        prefix, slash, _ = model.partition("/")
        if not slash or prefix not in prefixes:
            return f"{provider}/{model}"
        if prefixes[prefix].provider_id != provider_id:
            raise BadRequest(
                f'Model "{model}" does not belong to provider "{provider}". '
                f"Expected prefix: {provider}/",
                param="model",
            )
        return model

    return pin


@router.post("/v1/providers/{provider}/chat/completions")
async def provider_chat(request: Request, provider: str) -> Response:
    """OpenAI Chat Completions pinned to one provider."""
    pin = provider_pin(request, provider)
    response: Response = await edge(request).chat.handle(request, OPENAI_CHAT, pin)
    return response
