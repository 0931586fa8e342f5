"""Anthropic Messages client endpoints."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from omniroute.common.v1 import common_pb2
from omniroute.errors import GatewayError
from omniroute.wire.formats import WireFormat
from services.edge.body import parse_json_object, read_body
from services.edge.codecs import ANTHROPIC
from services.edge.exchange import new_request_id
from services.edge.token_count import (
    HEADER,
    count_dispatch,
    count_request_to_hub,
    estimate_tokens,
    provider_count,
)

router = APIRouter()


@router.post("/v1/messages")
async def messages(request: Request) -> Response:
    """Anthropic Messages (streaming events and not), to any provider."""
    response: Response = await request.app.state.chat.handle(request, ANTHROPIC)
    return response


@router.post("/v1/messages/count_tokens")
async def count_tokens(request: Request) -> Response:
    """Token count of a Messages request: Anthropic's own, else a local estimate."""
    request.state.wire_format = WireFormat.ANTHROPIC
    state = request.app.state
    caller = state.chat.authenticate(request)
    raw = await read_body(request, state.settings.max_body_bytes)
    hub = count_request_to_hub(parse_json_object(raw))
    table, route = state.routes.resolve(str(hub["model"]))
    caller.check_model(str(hub["model"]))
    plan = await state.planner.plan(table, route)
    source, tokens = "local", None
    if plan and plan[0].format == common_pb2.API_FORMAT_ANTHROPIC_MESSAGES:
        request_id = new_request_id()
        dispatch = count_dispatch(
            request_id,
            plan,
            raw,
            orjson.dumps(hub),
            caller.key_id,
            30.0,
        )
        try:
            replies = await state.dispatcher.submit(dispatch)
            try:
                async for reply in replies:
                    if reply.WhichOneof("kind") == "done":
                        tokens = provider_count(reply.done.body)
                        break
                    if reply.WhichOneof("kind") == "failure":
                        break
            finally:
                replies.close()
        except GatewayError:
            tokens = None
        if tokens is not None:
            source = "provider"
    if tokens is None:
        tokens = estimate_tokens(hub)
    return Response(
        orjson.dumps({"input_tokens": tokens, "source": source}),
        media_type="application/json",
        headers={HEADER: source},
    )
