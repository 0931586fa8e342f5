"""One client request on its way through the edge, and its bookkeeping.

``Exchange`` accumulates what the response headers and the usage event
need; ``Recorder`` turns a finished exchange into metrics and one usage
event (with its cost from the price book), exactly once.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from omniroute.common.v1 import common_pb2, config_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import GatewayError, error_for_status
from omniroute.events.v1 import events_pb2
from omniroute.pricing import PriceBook
from omniroute.runtime import telemetry
from services.edge import metrics
from services.edge.admission import Admission, Ticket
from services.edge.auth import Caller
from services.edge.codecs import Codec
from services.edge.dispatcher import ReplyStream
from services.edge.gate import caller_of
from services.edge.usage_events import UsagePublisher


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


@dataclass(slots=True)
class Exchange:
    request_id: str
    endpoint: str
    codec: Codec
    received: float = field(default_factory=time.perf_counter)
    caller: Caller | None = None
    requested_model: str = ""
    stream: bool = False
    session_id: str = ""
    started: dispatch_pb2.Started | None = None
    usage: common_pb2.Usage | None = None
    upstream_ms: float = 0.0
    ttft_ms: float = 0.0
    cache: str = ""
    status: int = 200
    error: str = ""
    recorded: bool = False
    # "chat", "embeddings", "images" or "audio"; units are images or seconds.
    kind: str = "chat"
    units: float = 0.0
    # The request's trace context, for the usage event (a stream's is
    # recorded after its span has ended).
    trace: common_pb2.TraceContext | None = None
    # Its admission (rate limits, budget reservation), settled when recorded.
    ticket: Ticket | None = None
    # How its targets were ordered: a combo's strategy, or "direct".
    strategy: str = "direct"
    # Set when recorded: USD spent (-1 when unpriced) and saved by the
    # provider's prompt cache.
    cost_usd: float | None = None
    cache_saved_usd: float = 0.0
    # The prompt's tokens as counted at admission (0 when not counted).
    prompt_estimate: int = 0

    @property
    def provider(self) -> str:
        return self.started.provider_id if self.started else ""

    @property
    def passthrough(self) -> bool:
        return bool(self.started and self.started.passthrough)

    def finish(self, done: dispatch_pb2.Done) -> None:
        self.usage = done.usage
        self.upstream_ms = float(done.upstream_latency_ms)
        self.units = done.units

    def fail(self, err: GatewayError) -> None:
        self.status, self.error = err.status, err.message

    def headers(self) -> dict[str, str]:
        headers = {"X-Request-Id": self.request_id}
        if self.session_id:
            headers["X-OmniRoute-Session-Id"] = self.session_id
        if self.started is not None:
            headers["X-OmniRoute-Provider"] = self.started.provider_id
            headers["X-OmniRoute-Model"] = self.started.model
            if self.started.fallbacks:
                headers["X-OmniRoute-Fallback-Attempts"] = str(self.started.fallbacks)
            headers["X-OmniRoute-Decision"] = self.decision()
        if self.cost_usd is not None:
            # The original's spelling: ten decimals, 0 when free or unpriced.
            headers["X-OmniRoute-Response-Cost"] = f"{max(self.cost_usd, 0.0):.10f}"
            headers["X-OmniRoute-Cache-Saved"] = f"{self.cache_saved_usd:.10f}"
        return headers

    def decision(self) -> str:
        """Why this answer came from where it did (X-OmniRoute-Decision)."""
        started = self.started
        assert started is not None
        return (
            f"strategy={self.strategy}; provider={started.provider_id}; "
            f"account={started.account_id}; reason={started.reason or 'strategy'}; "
            f"attempts={max(started.attempts, 1)}"
        )


def open_exchange(
    request: Request, codec: Codec, endpoint: str | None = None, kind: str = "chat"
) -> Exchange:
    """The exchange of a request the gate admitted, attached to the request
    (its errors and its access line read it) and to the request's trace.

    ``endpoint`` names the route in metrics and usage events when its path
    holds the model (Gemini's), which must not become a label.
    """
    exchange = Exchange(
        new_request_id(), endpoint or request.scope["path"], codec, kind=kind
    )
    exchange.caller = caller_of(request)
    request.state.exchange = exchange
    if telemetry.enabled():
        # The request's server span is open (request_span.py).
        telemetry.annotate({"omniroute.request_id": exchange.request_id})
        exchange.trace = telemetry.to_message()
    return exchange


async def collect_answer(exchange: Exchange, replies: ReplyStream) -> bytes:
    """The whole answer of a non-streaming dispatch (raises its failure)."""
    try:
        async for reply in replies:
            kind = reply.WhichOneof("kind")
            if kind == "started":
                exchange.started = reply.started
            elif kind == "done":
                exchange.finish(reply.done)
                return reply.done.body
            elif kind == "failure":
                raise failure_error(reply.failure)
    finally:
        replies.close()
    raise AssertionError("unreachable: replies end with done or failure")


def failure_error(failure: dispatch_pb2.Failure) -> GatewayError:
    """The client-facing error an executor's Failure stands for."""
    err = error_for_status(
        failure.status,
        failure.message,
        code=failure.code or None,
        retry_after=failure.retry_after_seconds or None,
    )
    if failure.type:
        err.type = failure.type
    return err


class Recorder:
    def __init__(
        self,
        usage: UsagePublisher,
        known_models: Callable[[], frozenset[str]],
        admission: Admission,
    ) -> None:
        self._usage = usage
        self._known_models = known_models
        self._admission = admission
        self._settling: set[asyncio.Task[None]] = set()
        self.prices = PriceBook()

    def configure(self, snapshot: config_pb2.ConfigSnapshot) -> None:
        self.prices = PriceBook(snapshot.prices)

    def pricer(
        self, started: dispatch_pb2.Started
    ) -> Callable[[common_pb2.Usage], float | None]:
        """Prices usage of the target that ``started`` (a stream's last usage),
        its interrupted calls included as ``_priced`` counts them."""

        def price(usage: common_pb2.Usage) -> float | None:
            cost = self.prices.cost(started.provider_id, started.model, usage)
            return None if cost is None else cost * (1 + started.interrupted_calls)

        return price

    def record(self, exchange: Exchange, status: int | None = None) -> None:
        """Metrics and the usage event of ``exchange``, once."""
        if exchange.recorded:
            return
        exchange.recorded = True
        if status is not None:
            exchange.status = status
        elapsed = time.perf_counter() - exchange.received
        provider = exchange.provider or "none"
        started = exchange.started
        model = (
            started.model
            if started and exchange.requested_model in self._known_models()
            else "other"
        )
        self._metrics(exchange, provider, model, elapsed)
        if exchange.caller is None:
            return  # unauthenticated requests are not usage
        cost, saved = self._priced(exchange)
        exchange.cost_usd, exchange.cache_saved_usd = cost, saved
        if cost > 0 and started is not None:
            metrics.SPEND.labels(started.provider_id, model).inc(cost)
        if exchange.ticket is not None and exchange.ticket.holds_anything:
            tokens = exchange.usage.total_tokens if exchange.usage is not None else 0
            self._settle(exchange.ticket, max(cost, 0.0), tokens)
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
                status=exchange.status,
                usage=exchange.usage,
                latency_ms=elapsed * 1000,
                upstream_latency_ms=exchange.upstream_ms,
                ttft_ms=exchange.ttft_ms,
                stream=exchange.stream,
                cache=exchange.cache,
                fallbacks=started.fallbacks if started else 0,
                attempts=started.attempts if started else 0,
                interrupted_calls=started.interrupted_calls if started else 0,
                error_message=exchange.error[:1000],
                cost_usd=cost,
                cache_saved_usd=saved,
                session_id=exchange.session_id,
                kind=exchange.kind,
                units=exchange.units,
                trace=exchange.trace or telemetry.to_message(),
            )
        )

    async def failures_recorded(
        self, exchange: Exchange, serving: Awaitable[Response]
    ) -> Response:
        """``serving``'s response; a failure is recorded, then raised on to
        be rendered in the client's format."""
        try:
            return await serving
        except GatewayError as err:
            exchange.fail(err)
            self.record(exchange)
            raise

    def _priced(self, exchange: Exchange) -> tuple[float, float]:
        """What ``exchange`` cost in USD (-1 when it cannot be priced) and
        what the provider's prompt cache saved on it, from one price lookup."""
        if exchange.cache:
            return 0.0, 0.0  # answered from the cache: nothing was spent
        started, usage = exchange.started, exchange.usage
        if started is None or usage is None:
            return -1.0, 0.0
        price = self.prices.lookup(started.provider_id, started.model)
        if price is None:
            return -1.0, 0.0
        cost = price.cost(usage, exchange.units, exchange.kind)
        # A call interrupted by a dying executor was the same request to,
        # as a rule, the same target: the provider bills it as it bills this.
        return cost * (1 + started.interrupted_calls), price.cache_saved(usage)

    def _settle(self, ticket: Ticket, cost: float, tokens: int) -> None:
        task = asyncio.create_task(self._admission.settle(ticket, cost, tokens))
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    def _metrics(
        self, exchange: Exchange, provider: str, model: str, elapsed: float
    ) -> None:
        status_class = f"{exchange.status // 100}xx"
        metrics.REQUESTS.labels(exchange.endpoint, provider, model, status_class).inc()
        metrics.LATENCY.labels(exchange.endpoint, provider).observe(elapsed)
        usage = exchange.usage
        if usage is None:
            return
        metrics.TOKENS.labels("input", provider, model).inc(usage.prompt_tokens)
        metrics.TOKENS.labels("output", provider, model).inc(usage.completion_tokens)
        if usage.cached_tokens or usage.cache_creation_tokens:
            metrics.TOKENS.labels("cache_read", provider, model).inc(
                usage.cached_tokens
            )
            metrics.TOKENS.labels("cache_write", provider, model).inc(
                usage.cache_creation_tokens
            )
        if not exchange.stream and exchange.upstream_ms:
            overhead = max(0.0, elapsed - exchange.upstream_ms / 1000)
            metrics.OVERHEAD.labels(exchange.endpoint).observe(overhead)
