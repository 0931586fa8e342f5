"""Rerank endpoints, one family per path so one simulator serves every
preset: Cohere at ``/v2/rerank`` and ``/v1/rerank``, the others under a
prefix of their own (``/jina/v1``, ``/voyage/v1``, ``/tei``, ``/infinity``:
a preset's base URL is the simulator's plus that prefix, and the gateway
calls ``<base_url>/rerank``). Shapes in ``rerank_formats.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from services.simulator import rerank_formats
from services.simulator.delivery import send_json
from services.simulator.inbound import Inbound
from services.simulator.parsing import json_object
from services.simulator.pipeline import ProviderHandler, provider_route

Shape = Callable[[dict[str, Any]], Any]


def _route(shape: Shape) -> ProviderHandler:
    async def handler(request: web.Request, inbound: Inbound) -> web.StreamResponse:
        return await send_json(request, shape(json_object(inbound.raw)))

    handler.__doc__ = shape.__doc__
    return handler


ROUTES: dict[str, Shape] = {
    "/v2/rerank": rerank_formats.cohere_v2,
    "/v1/rerank": rerank_formats.cohere_v1,
    "/jina/v1/rerank": rerank_formats.jina,
    "/voyage/v1/rerank": rerank_formats.voyage,
    "/tei/rerank": rerank_formats.tei,
    "/infinity/rerank": rerank_formats.infinity,
}


def add_routes(app: web.Application) -> None:
    for path, shape in ROUTES.items():
        app.router.add_post(path, provider_route(_route(shape)))
