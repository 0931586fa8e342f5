"""Token counting for Anthropic's ``/v1/messages/count_tokens`` and Gemini's
``:countTokens``, through the same dispatch path as every other request.

A model served by an Anthropic-format provider is counted by that provider
(through an executor, which holds the credentials); every other count, and
an Anthropic count that fails, is a local estimate (``token_count.py``).
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import GatewayError
from omniroute.wire.formats import WireFormat
from omniroute.wire.gemini.count import count_request_to_hub as gemini_count_to_hub
from services.edge.body import parse_json_object, read_body
from services.edge.codecs import ANTHROPIC, GeminiCodec
from services.edge.dispatch_path import DispatchPath, Resolved
from services.edge.exchange import Exchange, open_exchange
from services.edge.settings import EdgeSettings
from services.edge.token_count import (
    HEADER,
    count_request_to_hub,
    estimate_tokens,
    provider_count,
)

# A provider's count is a quick call; past this the local estimate answers.
PROVIDER_COUNT_TIMEOUT_S = 30.0


class TokenCounting:
    def __init__(self, settings: EdgeSettings, path: DispatchPath) -> None:
        self._max_body = settings.max_body_bytes
        self._path = path

    async def anthropic(self, request: Request) -> Response:
        """``input_tokens`` of a Messages body: Anthropic's own, else local."""
        exchange = open_exchange(request, ANTHROPIC)  # never recorded: not usage
        raw = await read_body(request, self._max_body)
        hub = count_request_to_hub(parse_json_object(raw))
        resolved = self._path.resolve(exchange, str(hub["model"]))
        # A count spends nothing, but it is a request: the key's rate counts it.
        await self._path.admit(exchange, spends=False)
        tokens = await self._provider_count(exchange, resolved, raw, hub)
        source = "local" if tokens is None else "provider"
        if tokens is None:
            tokens = estimate_tokens(hub)
        return _json({"input_tokens": tokens, "source": source}, source)

    async def gemini(self, request: Request, model: str) -> Response:
        """Gemini's ``totalTokens``: a local estimate."""
        exchange = open_exchange(request, GeminiCodec(model, stream=False))
        # An unknown model is a 404 before anything about the body, as at Gemini.
        self._path.resolve(exchange, model)
        await self._path.admit(exchange, spends=False)
        raw = await read_body(request, self._max_body)
        hub = gemini_count_to_hub(parse_json_object(raw), model=model)
        return _json({"totalTokens": estimate_tokens(hub)}, "local")

    async def _provider_count(
        self,
        exchange: Exchange,
        resolved: Resolved,
        raw: bytes,
        hub: dict[str, object],
    ) -> int | None:
        plan = await self._path.plan(resolved)
        if not plan or plan[0].format != common_pb2.API_FORMAT_ANTHROPIC_MESSAGES:
            return None
        dispatch = dispatch_pb2.Dispatch(
            client_format=WireFormat.ANTHROPIC.to_proto(),
            body=orjson.dumps(hub),
            client_body=raw,
            client_body_forwardable=True,  # a count is the client's own body
            operation="count_tokens",
        )
        try:
            replies = await self._path.submit(
                exchange,
                resolved,
                dispatch,
                plan=plan[:1],
                timeout_s=PROVIDER_COUNT_TIMEOUT_S,
            )
        except GatewayError:
            return None
        try:
            async for reply in replies:
                kind = reply.WhichOneof("kind")
                if kind == "done":
                    return provider_count(reply.done.body)
                if kind == "failure":
                    return None
        finally:
            replies.close()
        return None


def _json(body: object, source: str) -> Response:
    return Response(
        orjson.dumps(body), media_type="application/json", headers={HEADER: source}
    )
