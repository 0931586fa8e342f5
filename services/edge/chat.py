"""The chat pipeline, the same for every client format.

auth → parse (once) → translate to the hub → resolve the model against the
local routing table → cache (only when it can help) → dispatch → relay the
executor's replies in the client's format → usage event. Nothing here waits
on the router, and only Redis and an executor are on the critical path.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import GatewayError, error_for_status
from omniroute.events.v1 import events_pb2
from omniroute.runtime.redis_keys import RedisKeys
from omniroute.wire.formats import WireFormat
from services.edge import metrics
from services.edge.auth import Caller, KeyRing
from services.edge.backlog import BacklogMonitor
from services.edge.body import parse_json_object, read_body
from services.edge.cache_client import CacheClient
from services.edge.codecs import Codec
from services.edge.dispatcher import Dispatcher, ReplyStream
from services.edge.planner import Planner
from services.edge.routing_client import RoutingTableWatcher
from services.edge.settings import EdgeSettings
from services.edge.usage_events import UsagePublisher

NO_CACHE_HEADER = "x-omniroute-no-cache"


@dataclass(slots=True)
class Exchange:
    """What one request accumulates on its way through, for headers and usage."""

    request_id: str
    endpoint: str
    codec: Codec
    received: float = field(default_factory=time.perf_counter)
    caller: Caller | None = None
    requested_model: str = ""
    stream: bool = False
    started: dispatch_pb2.Started | None = None
    session_id: str = ""
    usage: common_pb2.Usage | None = None
    upstream_ms: float = 0.0
    ttft_ms: float = 0.0
    cache: str = ""
    status: int = 200
    error: str = ""

    @property
    def provider(self) -> str:
        return self.started.provider_id if self.started else ""

    @property
    def passthrough(self) -> bool:
        return bool(self.started and self.started.passthrough)

    def headers(self) -> dict[str, str]:
        headers = {"X-Request-Id": self.request_id}
        if self.session_id:
            headers["X-OmniRoute-Session-Id"] = self.session_id
        if self.started is not None:
            headers["X-OmniRoute-Provider"] = self.started.provider_id
            headers["X-OmniRoute-Model"] = self.started.model
            if self.started.fallbacks:
                headers["X-OmniRoute-Fallback-Attempts"] = str(self.started.fallbacks)
        return headers


def new_request_id() -> str:
    return "req_" + os.urandom(12).hex()


_SESSION_HEADERS = ("x-session-id", "x_session_id", "x-omniroute-session")


def session_id(request: Request) -> str:
    """The client's session id, if it sent one (bounded, printable)."""
    for name in _SESSION_HEADERS:
        value = request.headers.get(name, "").strip()
        if value:
            return "".join(ch for ch in value[:128] if ch.isprintable())
    return ""


class ChatPipeline:
    def __init__(
        self,
        settings: EdgeSettings,
        keys: KeyRing,
        routes: RoutingTableWatcher,
        cache: CacheClient,
        dispatcher: Dispatcher,
        usage: UsagePublisher,
        redis_keys: RedisKeys,
        planner: Planner,
        backlog: BacklogMonitor,
    ) -> None:
        self._settings = settings
        self._planner = planner
        self._backlog = backlog
        self._keys = keys
        self._routes = routes
        self._cache = cache
        self._dispatcher = dispatcher
        self._usage = usage
        self._redis_keys = redis_keys

    def authenticate(self, request: Request) -> Caller:
        return self._keys.authenticate(request.headers, request.query_params)

    async def handle(
        self,
        request: Request,
        codec: Codec,
        model_rewrite: Callable[[str], str] | None = None,
    ) -> Response:
        """Serves one chat request of any client format.

        ``model_rewrite`` maps the client's model string before resolution
        (the dedicated ``/v1/providers/{provider}/...`` routes use it).
        """
        exchange = Exchange(new_request_id(), request.url.path, codec)
        request.state.exchange = exchange
        try:
            return await self._serve(request, exchange, model_rewrite)
        except GatewayError as err:
            self._record(exchange, err.status, err.message)
            raise

    async def _serve(
        self,
        request: Request,
        exchange: Exchange,
        model_rewrite: Callable[[str], str] | None,
    ) -> Response:
        caller = self.authenticate(request)
        exchange.caller = caller
        raw = await read_body(request, self._settings.max_body_bytes)
        client_body = parse_json_object(raw)
        hub = exchange.codec.to_hub(client_body)
        if model_rewrite is not None:
            hub["model"] = model_rewrite(str(hub["model"]))
            if "model" in client_body:
                client_body["model"] = hub["model"]
                raw = orjson.dumps(client_body)
        exchange.requested_model = str(hub["model"])
        exchange.stream = bool(hub.get("stream"))
        exchange.session_id = session_id(request)
        table, route = self._routes.resolve(exchange.requested_model)
        caller.check_model(exchange.requested_model)
        hub_bytes = orjson.dumps(hub)
        cache_model = route.targets[0].model if route.targets else route.name
        cacheable = self._cacheable(request, hub)
        if cacheable and not exchange.stream:
            cached = await self._cache.lookup(caller.key_id, cache_model, hub_bytes)
            metrics.CACHE_LOOKUPS.labels("hit" if cached else "miss").inc()
            if cached is not None:
                return self._cached_answer(exchange, cached)
        self._backlog.admit()
        plan = await self._planner.plan(table, route)
        replies = await self._dispatcher.submit(
            dispatch_pb2.Dispatch(
                request_id=exchange.request_id,
                plan=plan,
                client_format=exchange.codec.format.to_proto(),
                body=hub_bytes,
                client_body=b""
                if exchange.codec.format is WireFormat.OPENAI_CHAT
                else raw,
                stream=exchange.stream,
                deadline_unix_ms=int(
                    (time.time() + self._settings.request_timeout_s) * 1000
                ),
                api_key_id=caller.key_id,
                reply_to=self._redis_keys.reply(exchange.request_id),
                session_id=exchange.session_id,
                requested_model=exchange.requested_model,
            )
        )
        if exchange.stream:
            return await self._stream(exchange, hub, replies)
        answer = await self._unary(exchange, replies)
        if cacheable and not exchange.passthrough:
            self._cache.store_later(caller.key_id, cache_model, hub_bytes, answer)
        headers = {**exchange.headers(), "X-OmniRoute-Cache": "MISS"}
        body = exchange.codec.response(
            answer, exchange.requested_model, exchange.passthrough
        )
        self._record(exchange, 200)
        return Response(body, media_type="application/json", headers=headers)

    def _cacheable(self, request: Request, hub: dict[str, Any]) -> bool:
        if request.headers.get(NO_CACHE_HEADER, "").lower() == "true":
            return False
        # Only deterministic requests: a sampled answer is one of many.
        temperature = hub.get("temperature")
        return isinstance(temperature, int | float) and temperature == 0

    def _cached_answer(self, exchange: Exchange, cached: bytes) -> Response:
        exchange.cache = "exact"
        body = exchange.codec.response(cached, exchange.requested_model, False)
        self._record(exchange, 200)
        headers = {**exchange.headers(), "X-OmniRoute-Cache": "HIT"}
        return Response(body, media_type="application/json", headers=headers)

    async def _unary(self, exchange: Exchange, replies: ReplyStream) -> bytes:
        async for reply in replies:
            kind = reply.WhichOneof("kind")
            if kind == "started":
                exchange.started = reply.started
            elif kind == "done":
                self._finish(exchange, reply.done)
                return reply.done.body
            elif kind == "failure":
                raise _error(reply.failure)
        raise AssertionError("unreachable: replies end with done or failure")

    async def _stream(
        self, exchange: Exchange, hub: dict[str, Any], replies: ReplyStream
    ) -> Response:
        first: list[bytes] = []
        # Hold the response until the first content: a failure before it is
        # still a proper HTTP error status, not a broken 200 stream.
        async for reply in replies:
            kind = reply.WhichOneof("kind")
            if kind == "started":
                exchange.started = reply.started
            elif kind == "chunks":
                first = list(reply.chunks.items)
                break
            elif kind == "done":
                self._finish(exchange, reply.done)
                break
            elif kind == "failure":
                raise _error(reply.failure)
        encoder = exchange.codec.stream_encoder(
            hub, exchange.requested_model, exchange.request_id, exchange.passthrough
        )
        exchange.ttft_ms = (time.perf_counter() - exchange.received) * 1000
        metrics.TTFT.labels(exchange.endpoint, exchange.provider).observe(
            exchange.ttft_ms / 1000
        )

        async def frames() -> AsyncIterator[bytes]:
            try:
                if first:
                    yield encoder.feed(first)
                if exchange.usage is None:
                    async for frame in self._relay(exchange, encoder, replies):
                        yield frame
                if exchange.status == 200:
                    yield encoder.finish()
            finally:
                if exchange.status == 200 and exchange.usage is None:
                    exchange.status, exchange.error = 499, "client closed the stream"
                self._record(exchange, exchange.status, exchange.error)

        return StreamingResponse(
            frames(),
            media_type=exchange.codec.stream_media_type,
            headers={
                **exchange.headers(),
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            },
        )

    async def _relay(
        self, exchange: Exchange, encoder: Any, replies: ReplyStream
    ) -> AsyncIterator[bytes]:
        try:
            async for reply in replies:
                kind = reply.WhichOneof("kind")
                if kind == "chunks":
                    yield encoder.feed(list(reply.chunks.items))
                elif kind == "done":
                    self._finish(exchange, reply.done)
                    return
                elif kind == "failure":
                    err = _error(reply.failure)
                    exchange.status, exchange.error = err.status, err.message
                    yield encoder.error(err)
                    return
        except GatewayError as err:
            exchange.status, exchange.error = err.status, err.message
            yield encoder.error(err)

    def _finish(self, exchange: Exchange, done: dispatch_pb2.Done) -> None:
        exchange.usage = done.usage
        exchange.upstream_ms = float(done.upstream_latency_ms)

    def _record(self, exchange: Exchange, status: int, error: str = "") -> None:
        """Metrics and the usage event, once per request."""
        elapsed = time.perf_counter() - exchange.received
        exchange.status = status
        provider = exchange.provider or "none"
        model = (
            exchange.started.model
            if exchange.started
            and exchange.requested_model in self._routes.known_models
            else "other"
        )
        metrics.REQUESTS.labels(
            exchange.endpoint, provider, model, f"{status // 100}xx"
        ).inc()
        metrics.LATENCY.labels(exchange.endpoint, provider).observe(elapsed)
        if exchange.usage is not None:
            metrics.TOKENS.labels("input", provider, model).inc(
                exchange.usage.prompt_tokens
            )
            metrics.TOKENS.labels("output", provider, model).inc(
                exchange.usage.completion_tokens
            )
            if not exchange.stream and exchange.upstream_ms:
                overhead = max(0.0, elapsed - exchange.upstream_ms / 1000)
                metrics.OVERHEAD.labels(exchange.endpoint).observe(overhead)
        if exchange.caller is None:
            return  # unauthenticated requests are not usage
        started = exchange.started
        self._usage.publish(
            events_pb2.UsageEvent(
                request_id=exchange.request_id,
                timestamp_unix_ms=int(time.time() * 1000),
                api_key_id=exchange.caller.key_id,
                endpoint=exchange.endpoint,
                client_format=exchange.codec.format.to_proto(),
                requested_model=exchange.requested_model,
                provider_id=started.provider_id if started else "",
                account_id=started.account_id if started else "",
                model=started.model if started else "",
                status=status,
                usage=exchange.usage,
                latency_ms=elapsed * 1000,
                upstream_latency_ms=exchange.upstream_ms,
                ttft_ms=exchange.ttft_ms,
                stream=exchange.stream,
                cache=exchange.cache,
                fallbacks=started.fallbacks if started else 0,
                error_message=error[:1000],
            )
        )


def _error(failure: dispatch_pb2.Failure) -> GatewayError:
    err = error_for_status(
        failure.status,
        failure.message,
        code=failure.code or None,
        retry_after=failure.retry_after_seconds or None,
    )
    if failure.type:
        err.type = failure.type
    return err
