"""Embeddings, image generation and speech-to-text endpoints (OpenAI shapes)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from services.edge.context import edge
from services.edge.routes.providers_api import provider_pin

router = APIRouter()


def _models(request: Request, kind: str) -> Response:
    table = edge(request).routes.table
    data = [
        {"id": m.id, "object": "model", "created": m.created, "owned_by": m.owned_by}
        for m in (table.models if table is not None else ())
        if m.type == kind
    ]
    return Response(
        orjson.dumps({"object": "list", "data": data}), media_type="application/json"
    )


@router.post("/v1/embeddings")
async def embeddings(request: Request) -> Response:
    """OpenAI embeddings: string or list input, float or base64, dimensions."""
    response: Response = await edge(request).media.embeddings(request)
    return response


@router.get("/v1/embeddings")
async def embedding_models(request: Request) -> Response:
    """The embedding models the gateway can route."""
    return _models(request, "embedding")


@router.post("/v1/images/generations")
async def images(request: Request) -> Response:
    """OpenAI image generation (``url`` or ``b64_json`` answers)."""
    response: Response = await edge(request).media.images(request)
    return response


@router.post("/v1/images/edits")
async def image_edits(request: Request) -> Response:
    """OpenAI image edits: multipart ``image`` (or up to 16 ``image[]``), an
    optional PNG ``mask``, ``prompt`` and ``model``; answered as generations
    are (``url`` or ``b64_json``)."""
    response: Response = await edge(request).media.image_edits(request)
    return response


@router.get("/v1/images/generations")
async def image_models(request: Request) -> Response:
    """The image models the gateway can route."""
    return _models(request, "image")


@router.post("/v1/audio/transcriptions")
async def transcriptions(request: Request) -> Response:
    """Speech to text: multipart ``file`` and ``model`` (e.g. ``deepgram/nova-3``)."""
    response: Response = await edge(request).media.transcriptions(request)
    return response


@router.post("/v1/audio/translations")
async def translations(request: Request) -> Response:
    """Speech to English text: multipart ``file`` and ``model``."""
    response: Response = await edge(request).media.translations(request)
    return response


@router.post("/v1/audio/speech")
async def speech(request: Request) -> Response:
    """Text to speech, streamed (``response_format`` mp3, opus, aac, flac,
    wav or pcm)."""
    response: Response = await edge(request).speech.speech(request)
    return response


@router.post("/v1/moderations")
async def moderations(request: Request) -> Response:
    """OpenAI moderations: text and image inputs, per-category scores."""
    response: Response = await edge(request).media.moderations(request)
    return response


@router.post("/v1/rerank")
@router.post("/v2/rerank")
async def rerank(request: Request) -> Response:
    """Rerank documents against a query (Cohere's shape; Cohere's SDKs call
    ``/v1/rerank`` and ``/v2/rerank``)."""
    response: Response = await edge(request).media.rerank(request)
    return response


@router.post("/v1/providers/{provider}/embeddings")
async def provider_embeddings(request: Request, provider: str) -> Response:
    """Embeddings pinned to one provider."""
    pin = provider_pin(request, provider)
    response: Response = await edge(request).media.embeddings(request, pin)
    return response


@router.post("/v1/providers/{provider}/images/generations")
async def provider_images(request: Request, provider: str) -> Response:
    """Image generation pinned to one provider."""
    pin = provider_pin(request, provider)
    response: Response = await edge(request).media.images(request, pin)
    return response


@router.post("/v1/providers/{provider}/audio/speech")
async def provider_speech(request: Request, provider: str) -> Response:
    """Text to speech pinned to one provider."""
    pin = provider_pin(request, provider)
    response: Response = await edge(request).speech.speech(request, pin)
    return response


@router.post("/v1/providers/{provider}/moderations")
async def provider_moderations(request: Request, provider: str) -> Response:
    """Moderations pinned to one provider."""
    pin = provider_pin(request, provider)
    response: Response = await edge(request).media.moderations(request, pin)
    return response


@router.post("/v1/providers/{provider}/rerank")
async def provider_rerank(request: Request, provider: str) -> Response:
    """Rerank pinned to one provider."""
    pin = provider_pin(request, provider)
    response: Response = await edge(request).media.rerank(request, pin)
    return response
