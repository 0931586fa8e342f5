"""OpenAI-format client endpoints."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from omniroute.errors import NotFound
from omniroute.router.v1 import router_pb2
from omniroute.wire.formats import WireFormat
from services.edge import model_catalog
from services.edge.codecs import OPENAI_CHAT
from services.edge.context import edge
from services.edge.routes import gemini_api
from services.edge.text_completion import TEXT_COMPLETION

router = APIRouter()


@router.post("/v1/chat/completions")
async def chat_completions(request: Request) -> Response:
    """OpenAI Chat Completions, streaming and not, to any configured provider."""
    response: Response = await edge(request).chat.handle(request, OPENAI_CHAT)
    return response


@router.post("/v1/completions")
async def completions(request: Request) -> Response:
    """OpenAI's legacy text completions (``prompt`` in, ``choices[].text``
    out, streaming and not), served by the chat pipeline to any provider.

    A list of prompts is joined with newlines into one, as the original
    OmniRoute does; token arrays, ``suffix``, ``echo``, ``logprobs`` and
    ``best_of`` above 1 are a 400 (chat models have no counterpart).
    """
    response: Response = await edge(request).chat.handle(request, TEXT_COMPLETION)
    return response


@router.get("/v1/models")
async def list_models(request: Request) -> Response:
    """Every model the gateway can route, in OpenAI's list format.

    The path is Gemini's ``models.list`` too (google-genai's default API
    version is ``v1``): a Gemini client, one that sends ``x-goog-api-key``,
    ``?key=`` or ``x-goog-api-client``, gets Gemini's list instead.
    """
    if gemini_api.is_gemini_client(request):
        return await gemini_api.list_models(request)
    models = model_catalog.listed(edge(request).routes.table)
    body = {"object": "list", "data": [_model_object(m) for m in models]}
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/v1/models/{model:path}")
async def retrieve_model(request: Request, model: str) -> Response:
    """One model in OpenAI's model format (ids may hold a slash:
    ``/v1/models/demo/gpt-4o-mini``); unknown is 404 ``model_not_found``.

    The path is Gemini's ``models.get`` too: a Gemini client, told apart as
    for ``GET /v1/models``, gets Gemini's model resource instead.
    """
    if gemini_api.is_gemini_client(request):
        return await gemini_api.get_model(request, model)
    # Declared: a model with a tag (``llama3:8b``) looks like a Gemini method.
    request.state.wire_format = WireFormat.OPENAI_CHAT
    entry = model_catalog.find(edge(request).routes.table, model)
    if entry is None:
        raise NotFound(
            f"The model '{model}' does not exist or no configured provider "
            "serves it. GET /v1/models lists the models you can use.",
            param="model",
        )
    return Response(orjson.dumps(_model_object(entry)), media_type="application/json")


def _model_object(entry: router_pb2.ModelEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "object": "model",
        "created": entry.created,
        "owned_by": entry.owned_by,
        # Ours: "chat", "embedding", "image", "audio", "speech", "rerank" or
        # "moderation", the endpoint the model serves (SDKs ignore it).
        "type": entry.type or "chat",
    }
