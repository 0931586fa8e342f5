"""Gemini client endpoints, under ``/v1beta`` and ``/v1`` alike.

google-genai calls ``/v1`` by default and ``/v1beta`` when asked; both are
served the same way. ``GET /v1/models`` and ``GET /v1/models/{model}`` are
OpenAI's paths too: ``openai_api`` sends Gemini clients here, as
``is_gemini_client`` tells. Errors are in Gemini's shape: on the POST paths
by their ``:method`` (``_client_format`` in ``app.py``), on the GET paths by
the format each handler declares.

A model is ``models/<gateway id>``, and a gateway id may hold a slash
(``models/demo/gpt-4o-mini:generateContent``): the method is what follows
the last colon.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from omniroute.errors import NotFound
from omniroute.wire.formats import WireFormat
from omniroute.wire.gemini.models import methods, model_entry, model_page
from services.edge import model_catalog
from services.edge.codecs import GeminiCodec
from services.edge.context import edge

router = APIRouter()
# Method -> streams (chat) or batches (embeddings).
_CHAT = {"generateContent": False, "streamGenerateContent": True}
_EMBED = {"embedContent": False, "batchEmbedContents": True}
_COUNT = "countTokens"
_KNOWN = ", ".join(f":{m}" for m in (*_CHAT, _COUNT, *_EMBED))


def is_gemini_client(request: HTTPConnection) -> bool:
    """Whether a call on a path Gemini shares with OpenAI is a Gemini client's.

    Gemini clients send their key as ``x-goog-api-key`` or ``?key=`` (which
    arrives here as ``x-goog-api-key``: ``key_path.py``), and google-genai
    sends ``x-goog-api-client`` besides; OpenAI clients send
    ``Authorization: Bearer`` and none of these. Any Google marker wins, as a
    Gemini client authenticating with a bearer token still wants Gemini's
    shapes.
    """
    headers = request.headers
    return "x-goog-api-key" in headers or "x-goog-api-client" in headers


@router.get("/v1beta/models")
async def list_models(request: Request) -> Response:
    """Gemini ``models.list``: every model a Gemini method can use.

    Chat models and combos list ``generateContent``, ``streamGenerateContent``
    and ``countTokens``; embedding models ``embedContent`` and
    ``batchEmbedContents``. ``pageSize`` (default 50, at most 1000) and
    ``pageToken`` page through them. Also ``GET /v1/models`` for a Gemini
    client.
    """
    request.state.wire_format = WireFormat.GEMINI
    entries = [
        model_entry(m.id, m.type, m.owned_by)
        for m in model_catalog.listed(edge(request).routes.table)
        if methods(m.type)
    ]
    query = request.query_params
    page = model_page(entries, query.get("pageSize"), query.get("pageToken"))
    return _json(page)


@router.get("/v1beta/models/{model:path}")
async def get_model(request: Request, model: str) -> Response:
    """Gemini ``models.get``: one model; an unknown one is 404 ``NOT_FOUND``.

    Also ``GET /v1/models/{model}`` for a Gemini client.
    """
    request.state.wire_format = WireFormat.GEMINI
    name = _model_name(model)
    entry = model_catalog.find(edge(request).routes.table, name)
    if entry is None or not methods(entry.type):
        raise NotFound(
            f"models/{name} is not found: no configured provider serves it. "
            "Call models.list for the models you can use.",
            code="not_found",
        )
    return _json(model_entry(entry.id, entry.type, entry.owned_by))


@router.post("/v1beta/models/{model_action:path}")
@router.post("/v1/models/{model_action:path}")
async def call_model(request: Request, model_action: str) -> Response:
    """``models/{model}:{method}``, to any provider.

    * ``:generateContent``, ``:streamGenerateContent``: streaming is decided
      by the method only, as Gemini does; a stream is server-sent events with
      ``?alt=sse``, else one JSON array.
    * ``:countTokens``: ``contents`` or a ``generateContentRequest``, answered
      ``{"totalTokens": N}``, a local estimate (header
      ``X-OmniRoute-Token-Count: local``).
    * ``:embedContent``, ``:batchEmbedContents``: through the embeddings
      pipeline (same keys, routing, fallback and metering as
      ``/v1/embeddings``), answered ``{"embedding": {"values"}}`` and
      ``{"embeddings": [{"values"}]}``.
    """
    model, _, method = model_action.rpartition(":")
    model = _model_name(model)
    if not model or method not in (*_CHAT, _COUNT, *_EMBED):
        raise NotFound(
            f"unknown method '{method}' for models/{model}: use {_KNOWN}",
            code="not_found",
        )
    if method == _COUNT:
        return await _count_tokens(request, model)
    # The route's template: a model in the URL must not become a label.
    version = request.url.path.split("/", 2)[1]
    endpoint = f"/{version}/models/{{model}}:{method}"
    if method in _EMBED:
        embedded: Response = await edge(request).media.gemini_embeddings(
            request, model, _EMBED[method], endpoint
        )
        return embedded
    codec = GeminiCodec(
        model, _CHAT[method], sse=request.query_params.get("alt") == "sse"
    )
    response: Response = await edge(request).chat.handle(
        request, codec, endpoint=endpoint
    )
    return response


async def _count_tokens(request: Request, model: str) -> Response:
    return await edge(request).counting.gemini(request, model)


def _model_name(model: str) -> str:
    # The route holds ``models/`` already; a client that repeated it in the
    # model (``models/models/x``) still means ``x``.
    return model.removeprefix("models/")


def _json(body: object, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), media_type="application/json", headers=headers)
