"""OpenAI's moderation endpoint; the rules are in ``moderation.py``."""

from __future__ import annotations

from aiohttp import web

from services.simulator import moderation
from services.simulator.delivery import send_json
from services.simulator.inbound import Inbound
from services.simulator.parsing import json_object
from services.simulator.pipeline import provider_route


async def moderations(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """OpenAI ``POST /v1/moderations``: a result per input string, or one
    for a list of text and image parts."""
    return await send_json(request, moderation.moderations(json_object(inbound.raw)))


def add_routes(app: web.Application) -> None:
    for path in ("/v1/moderations", "/moderations"):
        app.router.add_post(path, provider_route(moderations))
