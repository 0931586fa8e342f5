"""Ollama's API at the gateway, in Ollama's own shapes.

Chat, generate and embeddings go through the same pipelines as every other
format (keys, IP filter, limits, budgets, routing, fallback, usage); the
model listings describe the routing table. Errors are ``{"error": "..."}``.
Registered before the ``/api/*`` forwarding to admin, so Ollama clients can
use the gateway as their host directly (and with the ``/v1`` prefix too).
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from omniroute.errors import BadRequest, NotFound, NotSupported
from omniroute.router.v1 import router_pb2
from omniroute.wire.ollama import models as catalog
from omniroute.wire.validation import optional_str
from services.edge import model_catalog
from services.edge.body import parse_json_object, read_body
from services.edge.codecs import OLLAMA, OLLAMA_GENERATE
from services.edge.context import edge
from services.edge.ollama_paths import MODEL_MANAGEMENT

router = APIRouter()

# The Ollama release the gateway says it is. Clients refuse servers they
# think too old (Copilot Chat's Ollama provider asks GET /api/version for at
# least 0.6.4), so it is a recent release, one whose API these routes follow.
OLLAMA_VERSION = "0.12.6"


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
async def root() -> Response:
    """What Ollama answers on its root: clients probe it to find a server."""
    return PlainTextResponse("Ollama is running")


@router.post("/v1/api/chat")
@router.post("/api/chat")
async def chat(request: Request) -> Response:
    """Ollama chat (NDJSON stream by default), to any provider."""
    response: Response = await edge(request).chat.handle(request, OLLAMA)
    return response


@router.post("/v1/api/generate")
@router.post("/api/generate")
async def generate(request: Request) -> Response:
    """Ollama generate (NDJSON stream by default), served as a one-turn chat.

    ``prompt``, ``system``, ``images``, ``format``, ``options`` and ``think``
    are honoured; ``template``, ``raw``, ``context`` and ``keep_alive`` are
    accepted (the provider applies its own template). No prompt is Ollama's
    "load the model" call, answered at once with ``done_reason: load``.
    """
    response: Response = await edge(request).chat.handle(request, OLLAMA_GENERATE)
    return response


@router.post("/v1/api/embed")
@router.post("/api/embed")
async def embed(request: Request) -> Response:
    """Ollama embeddings: ``input`` (a string or a list), ``dimensions``."""
    response: Response = await edge(request).media.ollama_embeddings(
        request, legacy=False
    )
    return response


@router.post("/v1/api/embeddings")
@router.post("/api/embeddings")
async def embeddings(request: Request) -> Response:
    """Ollama's legacy embeddings: one ``prompt``, one ``embedding``."""
    response: Response = await edge(request).media.ollama_embeddings(
        request, legacy=True
    )
    return response


@router.api_route("/v1/api/tags", methods=["GET", "HEAD"])
@router.api_route("/api/tags", methods=["GET", "HEAD"])
async def tags(request: Request) -> Response:
    """The routable chat models, in Ollama's list format.

    Embedding, image and speech models are left out: Ollama clients offer
    every listed model for chat. ``/api/show`` still describes them.
    """
    table = _table(request)
    models = [catalog.tag(m) for m in _chat_models(table)]
    return _json({"models": models})


@router.post("/v1/api/show")
@router.post("/api/show")
async def show(request: Request) -> Response:
    """One model (``model``, or the older ``name``): its details and its
    capabilities (``completion`` and ``tools`` for chat models, ``embedding``
    for embedding models). An unknown model is a 404."""
    body = parse_json_object(
        await read_body(request, edge(request).settings.max_body_bytes)
    )
    name = optional_str(body.get("model"), "model") or optional_str(
        body.get("name"), "name"
    )
    if not name:
        raise BadRequest("model is required", param="model")
    return _json(catalog.show(_find(request, name)))


@router.get("/v1/api/ps")
@router.get("/api/ps")
async def ps(request: Request) -> Response:
    """The "running" models: every routable chat model.

    A gateway loads nothing, and each of its models answers at once, so all
    are reported loaded, and staying loaded (``expires_at`` is what Ollama
    shows for ``keep_alive: -1``); sizes are 0 as no memory is held here.
    """
    table = _table(request)
    now = datetime.now(UTC)
    return _json({"models": [catalog.running(m, now) for m in _chat_models(table)]})


@router.api_route("/v1/api/version", methods=["GET", "HEAD"])
@router.api_route("/api/version", methods=["GET", "HEAD"])
async def version() -> Response:
    """The Ollama version the gateway answers as. Open, like Ollama's: clients
    ask it before they have a key, and it says nothing about the gateway."""
    return _json({"version": OLLAMA_VERSION})


def _table(request: Request) -> router_pb2.RoutingTable | None:
    """The routing table the edge serves from."""
    table: router_pb2.RoutingTable | None = edge(request).routes.table
    return table


def _model(
    table: router_pb2.RoutingTable, entry: router_pb2.ModelEntry
) -> catalog.CatalogModel:
    # Entries carry no date of their own: the table's is when they last changed.
    changed_ms = entry.created * 1000 or table.built_unix_ms
    return catalog.CatalogModel(entry.id, entry.owned_by, entry.type, changed_ms)


def _chat_models(
    table: router_pb2.RoutingTable | None,
) -> list[catalog.CatalogModel]:
    if table is None:
        return []  # no routing table yet: nothing is routable
    listed = model_catalog.listed(table)
    return [_model(table, m) for m in listed if m.type in catalog.CHAT_KINDS]


def _find(request: Request, name: str) -> catalog.CatalogModel:
    """The listed model ``name`` names, as the other model endpoints find it."""
    table = edge(request).routes.table
    entry = model_catalog.find(table, name)
    if table is None or entry is None:
        raise NotFound(f"model '{name}' not found")
    return _model(table, entry)


def _json(body: object) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


async def model_management(request: Request) -> Response:
    """Pulling, pushing, creating, copying and deleting models: not offered."""
    raise NotSupported(
        f"{request.url.path.removeprefix('/v1')} is not available through the "
        "OmniRoute gateway: it serves the models of its providers; add or "
        "change models in the dashboard or the management API",
        code="not_supported",
    )


for _path in MODEL_MANAGEMENT:
    for _prefix in ("", "/v1"):
        router.add_api_route(
            _prefix + (_path + "{digest}" if _path.endswith("/") else _path),
            model_management,
            methods=["POST", "DELETE", "HEAD", "GET"],
            include_in_schema=False,
        )
