"""The chat pipeline, the same for every client format.

auth → parse (once) → translate to the hub → resolve the model against the
local routing table → idempotency and cache (only when they can help) →
order the plan → dispatch → relay the executor's replies in the client's
format → usage event. Nothing here waits on the router, and only Redis and
an executor are on the critical path of a cache miss.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from omniroute.cache.v1 import cache_pb2
from omniroute.common.v1 import config_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import BadRequest, GatewayError
from omniroute.routing.prefix import prefix_key
from omniroute.wire import hub as hub_format
from omniroute.wire.formats import WireFormat
from omniroute.wire.responses.response import response_id
from services.edge import metrics, spend_estimate
from services.edge.auth import Caller
from services.edge.body import parse_json_object, read_body
from services.edge.cache_client import CacheClient
from services.edge.cache_policy import CachePolicy
from services.edge.client_gone import answer_unless_gone
from services.edge.codecs import Codec, LocalAnswer
from services.edge.conversations import Conversations, Turn
from services.edge.dispatch_path import DispatchPath, Resolved
from services.edge.dispatcher import ReplyStream
from services.edge.exchange import (
    Exchange,
    Recorder,
    failure_error,
    open_exchange,
    session_id,
)
from services.edge.idempotency import Idempotency
from services.edge.progress import HEADER as PROGRESS_HEADER
from services.edge.progress import INTERVAL_S, ProgressTicker
from services.edge.relay import relay
from services.edge.request_policy import apply_policies
from services.edge.routing_client import RoutingTableWatcher
from services.edge.settings import EdgeSettings
from services.edge.stream_cost import PricedStream


class ChatPipeline:
    def __init__(
        self,
        settings: EdgeSettings,
        routes: RoutingTableWatcher,
        cache: CacheClient,
        path: DispatchPath,
        recorder: Recorder,
        conversations: Conversations,
    ) -> None:
        self.settings = settings
        self._routes = routes
        self._cache = cache
        self._path = path
        self._recorder = recorder
        self._conversations = conversations
        self._idempotency = Idempotency(cache, recorder, settings.request_timeout_s)
        self.gateway_settings = config_pb2.GatewaySettings()
        self.cache_policy = CachePolicy()

    def configure(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        """Follows the gateway settings of each new snapshot."""
        self.cache_policy = CachePolicy.from_settings(snapshot.settings)
        self.gateway_settings = snapshot.settings

    async def handle(
        self,
        request: Request,
        codec: Codec,
        model_rewrite: Callable[[str], str] | None = None,
        endpoint: str | None = None,
    ) -> Response:
        """Serves one chat request of any client format.

        ``model_rewrite`` maps the client's model string before resolution
        (the dedicated ``/v1/providers/{provider}/...`` routes use it).
        ``endpoint`` names the route when its path holds the model.
        """
        exchange = open_exchange(request, codec, endpoint)
        return await self._recorder.failures_recorded(
            exchange, self._serve(request, exchange, model_rewrite)
        )

    async def _serve(
        self,
        request: Request,
        exchange: Exchange,
        model_rewrite: Callable[[str], str] | None,
    ) -> Response:
        caller = exchange.caller
        assert caller is not None
        raw = received = await read_body(request, self.settings.max_body_bytes)
        client_body = parse_json_object(raw)
        local = exchange.codec.local_answer(client_body)
        if local is not None:
            return self._local(exchange, caller, local)
        try:
            hub = exchange.codec.to_hub(client_body)
        except BadRequest:
            self._refuse_unknown_model(exchange.codec.model_asked(client_body))
            raise
        turn = None
        if exchange.codec.format is WireFormat.RESPONSES:
            turn = await self._conversations.begin(caller.key_id, client_body, hub)
            if turn is not None and turn.previous is not None:
                raw = b""  # the client's body no longer holds the conversation
        if apply_policies(hub, self.gateway_settings):
            raw = b""  # the client's own body no longer says what is asked
        if model_rewrite is not None:
            hub["model"] = model_rewrite(str(hub["model"]))
            if "model" in client_body:
                client_body["model"] = hub["model"]
                raw = orjson.dumps(client_body)
        if not exchange.codec.forwards_body:
            raw = b""  # no provider may be sent this body as it is
        exchange.requested_model = str(hub["model"])
        exchange.stream = bool(hub.get("stream"))
        exchange.session_id = session_id(request)
        # Keyed by what the client sent: ``raw`` may have been dropped above.
        replay, owned = await self._idempotency.begin(request, exchange, received)
        if replay is not None:
            return replay
        try:
            response = await self._answer(request, exchange, hub, raw, turn)
        except GatewayError as err:
            self._idempotency.complete(exchange, owned, err)
            raise
        except BaseException:
            self._idempotency.abandon(exchange, owned)
            raise
        if not isinstance(response, StreamingResponse):
            self._idempotency.complete(exchange, owned, response)
        return response

    async def _admit(
        self, exchange: Exchange, resolved: Resolved, hub: dict[str, Any]
    ) -> None:
        """Admits the request holding its upper-bound cost (``spend_estimate``)."""
        estimate = spend_estimate.chat(
            self._recorder.prices, self._path.reachable(resolved), hub
        )
        exchange.prompt_estimate = estimate.prompt_tokens
        await self._path.admit(exchange, estimate)

    def _refuse_unknown_model(self, model: object) -> None:
        """An unknown model is the error a client must hear first: a provider
        might have taken the rest of the body, but no provider has the model."""
        if isinstance(model, str) and model:
            self._routes.resolve(model)  # raises NotFound for an unknown name

    async def _answer(
        self,
        request: Request,
        exchange: Exchange,
        hub: dict[str, Any],
        raw: bytes,
        turn: Turn | None,
    ) -> Response:
        resolved = self._path.resolve(exchange, exchange.requested_model)
        route = resolved.route
        await self._admit(exchange, resolved, hub)
        assert exchange.caller is not None
        scope = exchange.caller.key_id
        hub_bytes = orjson.dumps(hub)
        policy = self.cache_policy
        cacheable = policy.applies(request.headers, hub)
        cache_model = route.targets[0].model if route.targets else route.name
        if cacheable:
            cached = await self._cache.lookup(scope, cache_model, hub_bytes, policy)
            metrics.CACHE_LOOKUPS.labels("hit" if cached else "miss").inc()
            if cached is not None:
                return await self._cached(exchange, hub, cached, turn)
        replies = await self._path.submit(
            exchange,
            resolved,
            dispatch_pb2.Dispatch(
                client_format=exchange.codec.format.to_proto(),
                body=hub_bytes,
                # Empty unless the codec and the policies let it go as it is.
                client_body=raw,
                client_body_forwardable=bool(raw),
                stream=exchange.stream,
                prefix_key=prefix_key(hub, len(hub_bytes)),
            ),
        )

        def store(answered: Exchange, answer: bytes | None) -> None:
            if cacheable and answer is not None and not answered.passthrough:
                self._cache.store_later(scope, cache_model, hub_bytes, answer, policy)

        if exchange.stream:
            return await self._stream(
                request, exchange, hub, replies, cacheable, store, turn
            )
        answer = await answer_unless_gone(request, exchange, replies)
        store(exchange, answer)
        self._recorder.record(exchange, 200)
        if turn is not None and not exchange.passthrough:
            await self._remember(exchange, turn, answer)
        return Response(
            exchange.codec.response(
                answer,
                exchange.requested_model,
                exchange.request_id,
                exchange.passthrough,
            ),
            media_type="application/json",
            headers={**exchange.headers(), "X-OmniRoute-Cache": "MISS"},
        )

    async def _cached(
        self,
        exchange: Exchange,
        hub: dict[str, Any],
        cached: cache_pb2.LookupResponse,
        turn: Turn | None,
    ) -> Response:
        exchange.cache = cached.match
        self._recorder.record(exchange, 200)
        headers = {**exchange.headers(), "X-OmniRoute-Cache": "HIT"}
        if cached.match == "semantic":
            headers["X-OmniRoute-Cache-Similarity"] = f"{cached.similarity:.4f}"
        if turn is not None:
            await self._remember(exchange, turn, cached.response)
        if not exchange.stream:
            body = exchange.codec.response(
                cached.response, exchange.requested_model, exchange.request_id, False
            )
            return Response(body, media_type="application/json", headers=headers)
        chunks = hub_format.chunks_from_response(orjson.loads(cached.response))
        encoder = exchange.codec.stream_encoder(
            hub, exchange.requested_model, exchange.request_id, False
        )
        frames = encoder.feed([orjson.dumps(c) for c in chunks]) + encoder.finish()
        return Response(
            frames, media_type=exchange.codec.stream_media_type, headers=headers
        )

    async def _stream(
        self,
        request: Request,
        exchange: Exchange,
        hub: dict[str, Any],
        replies: ReplyStream,
        cacheable: bool,
        store: Callable[[Exchange, bytes | None], None],
        turn: Turn | None,
    ) -> Response:
        first = await _first_content(exchange, replies)
        encoder = exchange.codec.stream_encoder(
            hub, exchange.requested_model, exchange.request_id, exchange.passthrough
        )
        if exchange.started is not None and not exchange.passthrough:
            encoder = PricedStream(encoder, self._recorder.pricer(exchange.started))
        exchange.ttft_ms = (time.perf_counter() - exchange.received) * 1000
        metrics.TTFT.labels(exchange.endpoint, exchange.provider).observe(
            exchange.ttft_ms / 1000
        )
        headers = {
            **exchange.headers(),
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
        ticker = _progress_ticker(request, exchange)
        if ticker is not None:
            headers["X-OmniRoute-Progress"] = "enabled"

        def finished(done: Exchange, answer: bytes | None) -> None:
            store(done, answer)
            self._recorder.record(done)

        async def remember(answer: bytes) -> None:
            assert turn is not None
            await self._remember(exchange, turn, answer)

        keep_turn = turn is not None and not exchange.passthrough
        frames = relay(
            exchange,
            encoder,
            first,
            replies,
            ticker,
            (cacheable or keep_turn) and not exchange.passthrough,
            finished,
            remember if keep_turn else None,
        )
        return StreamingResponse(
            frames, media_type=exchange.codec.stream_media_type, headers=headers
        )

    def _local(
        self, exchange: Exchange, caller: Caller, local: LocalAnswer
    ) -> Response:
        """An answer the codec gives itself (Ollama's "load the model" calls):
        the key must be allowed the model and the model must exist, as for
        any request, but nothing is dispatched and nothing is spent."""
        self._path.resolve(exchange, local.model)
        self._recorder.record(exchange, 200)
        return Response(
            local.body, media_type="application/json", headers=exchange.headers()
        )

    async def _remember(self, exchange: Exchange, turn: Turn, answer: bytes) -> None:
        await self._conversations.remember(
            turn, response_id(exchange.request_id), answer
        )


async def _first_content(exchange: Exchange, replies: ReplyStream) -> list[bytes]:
    """Reads up to the first content: a failure before it is still a proper
    HTTP error status, not a broken 200 stream."""
    async for reply in replies:
        kind = reply.WhichOneof("kind")
        if kind == "started":
            exchange.started = reply.started
        elif kind == "chunks":
            return list(reply.chunks.items)
        elif kind == "done":
            exchange.finish(reply.done)
            break
        elif kind == "failure":
            raise failure_error(reply.failure)
    return []


def _progress_ticker(request: Request, exchange: Exchange) -> ProgressTicker | None:
    """Progress frames, for an SSE client that asked for them."""
    sse = exchange.codec.stream_media_type == "text/event-stream"
    if not sse or request.headers.get(PROGRESS_HEADER, "").lower() != "true":
        return None
    passthrough = exchange.codec.format if exchange.passthrough else None
    return ProgressTicker(exchange.received, passthrough, INTERVAL_S)
