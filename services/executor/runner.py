"""Walks a dispatch's plan: one target after another until one answers.

Before any byte has reached the client, a retryable failure (see
``classify.py``) moves on to the next target. Once chunks have gone out, a
failure ends the stream with a clear error instead: replaying another
provider's answer after half of the first one would corrupt the output.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from opentelemetry import trace
from redis.asyncio.client import Pipeline

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import error_for_status
from omniroute.runtime import telemetry
from omniroute.wire.formats import WireFormat
from services.executor import metrics
from services.executor.adapters.base import Adapter, UpstreamRequest
from services.executor.classify import FailureKind, UpstreamFailure, classify_status
from services.executor.config_view import AccountView, ConfigView, ProviderView
from services.executor.guard import ACCOUNT_SCOPED, Guard
from services.executor.media.calls import OPERATIONS, MediaCalls
from services.executor.reply import ReplyWriter
from services.executor.settings import ExecutorSettings
from services.executor.upstream import UpstreamSession

log = logging.getLogger(__name__)

Ack = Callable[[Pipeline], None]
_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_MAX_ERROR_BYTES = 64 * 1024
# How much of a provider's error message a log line keeps.
REASON_CHARS = 300


class PlanRunner:
    def __init__(
        self,
        config: ConfigView,
        session: UpstreamSession,
        adapters: Mapping[WireFormat, Adapter],
        settings: ExecutorSettings,
        guard: Guard,
    ) -> None:
        self._config = config
        self._guard = guard
        self._media = MediaCalls(session, settings.transcription_timeout_s)
        self._session = session
        self._adapters = adapters
        self._settings = settings

    async def run(
        self, dispatch: dispatch_pb2.Dispatch, writer: ReplyWriter, ack: Ack
    ) -> None:
        """Serves ``dispatch``; always ends with Done or Failure (and the ack)."""
        try:
            body = orjson.loads(dispatch.body)
            client_body = (
                orjson.loads(dispatch.client_body) if dispatch.client_body else None
            )
        except orjson.JSONDecodeError:
            await writer.failure(_failure(400, "request body is not valid JSON"), ack)
            return
        failures: list[UpstreamFailure] = []
        deadline = dispatch.deadline_unix_ms / 1000
        for index, target in enumerate(dispatch.plan):
            remaining = deadline - time.time()
            if remaining <= 0:
                failures.append(
                    UpstreamFailure(
                        FailureKind.TIMEOUT, None, "the request deadline passed"
                    )
                )
                break
            try:
                async with asyncio.timeout(remaining):
                    await self._attempt(
                        dispatch, target, index, Bodies(body, client_body), writer, ack
                    )
                return
            except UpstreamFailure as upstream_failure:
                failures.append(upstream_failure)
            except TimeoutError:
                failures.append(
                    UpstreamFailure(
                        FailureKind.TIMEOUT, None, "the request deadline passed"
                    )
                )
            except aiohttp.ClientError as exc:
                failures.append(
                    UpstreamFailure(
                        FailureKind.CONNECTION,
                        None,
                        f"could not talk to the provider: {exc.__class__.__name__}",
                    )
                )
            last = failures[-1]
            metrics.FALLBACKS.labels(target.provider_id, last.kind).inc()
            log.info(
                "target failed",
                extra={
                    "request_id": dispatch.request_id,
                    "provider": target.provider_id,
                    "model": target.model,
                    "kind": str(last.kind),
                    "status": last.status,
                    # What the provider said, bounded: enough to tell a bad
                    # URL from a bad key from an overloaded model.
                    "reason": last.message[:REASON_CHARS],
                },
            )
            if writer.items_sent:
                await writer.failure(_mid_stream_failure(target.provider_id, last), ack)
                return
            if not last.try_next_target:
                break
        await writer.failure(final_failure(failures, dispatch.plan), ack)

    async def _attempt(
        self,
        dispatch: dispatch_pb2.Dispatch,
        target: common_pb2.Target,
        index: int,
        bodies: Bodies,
        writer: ReplyWriter,
        ack: Ack,
    ) -> None:
        provider = self._config.providers.get(target.provider_id)
        if provider is None:
            raise UpstreamFailure(
                FailureKind.MODEL_NOT_FOUND,
                None,
                f"provider '{target.provider_id}' is not configured or is disabled",
            )
        admission = await self._guard.admit_provider(provider.id)
        if not admission.allowed:
            raise UpstreamFailure(
                FailureKind.BREAKER_OPEN,
                None,
                f"'{provider.id}' is failing and its circuit breaker is open",
                retry_after_s=admission.retry_in_ms / 1000,
            )
        accounts, rest = await self._guard.accounts(provider, dispatch.session_id)
        if not accounts:
            raise UpstreamFailure(
                FailureKind.RATE_LIMIT,
                None,
                f"every account of '{provider.id}' is cooling down or disabled",
                retry_after_s=rest if rest != float("inf") else None,
            )
        serve = self._server(dispatch, target, index, bodies, provider, writer, ack)
        failure: UpstreamFailure | None = None
        for account in accounts:
            if not await self._guard.admit_account(provider.id, account):
                continue  # its breaker's one probe is already out
            try:
                with telemetry.span(
                    f"upstream {provider.id}",
                    kind=trace.SpanKind.CLIENT,
                    attributes={
                        "omniroute.model": target.model,
                        "omniroute.account": account.id,
                    },
                ):
                    await serve(account)
            except UpstreamFailure as exc:
                failure = exc
            except TimeoutError:
                failure = UpstreamFailure(
                    FailureKind.TIMEOUT,
                    None,
                    f"'{provider.id}' did not answer within "
                    f"{self._guard.resilience.target_timeout_s:g}s",
                )
            except aiohttp.ClientError as exc:
                failure = UpstreamFailure(
                    FailureKind.CONNECTION,
                    None,
                    f"could not talk to the provider: {exc.__class__.__name__}",
                )
            else:
                await self._guard.succeeded(
                    provider, account, admission, dispatch.session_id
                )
                return
            await self._guard.failed(provider, account, failure)
            if writer.items_sent or failure.kind not in ACCOUNT_SCOPED:
                break  # provider-level or mid-stream: no other account helps
        if failure is None:
            raise UpstreamFailure(
                FailureKind.BREAKER_OPEN,
                None,
                f"every account of '{provider.id}' is failing; "
                "one is being probed, try again shortly",
            )
        raise failure

    def _server(
        self,
        dispatch: dispatch_pb2.Dispatch,
        target: common_pb2.Target,
        index: int,
        bodies: Bodies,
        provider: ProviderView,
        writer: ReplyWriter,
        ack: Ack,
    ) -> Callable[[AccountView], Awaitable[None]]:
        """How one account of ``provider`` serves this dispatch."""
        if dispatch.operation in OPERATIONS:

            async def media(account: AccountView) -> None:
                writer.started(provider.id, account.id, target.model, index)
                started = time.perf_counter()
                async with asyncio.timeout(self._guard.resilience.target_timeout_s):
                    answer = await self._media.run(
                        dispatch, provider, account, target.model, bodies.client or {}
                    )
                elapsed_ms = (time.perf_counter() - started) * 1000
                await writer.done(
                    answer.body, answer.usage, "", elapsed_ms, 0, ack, answer.units
                )

            return media
        adapter = self._adapters[WireFormat.from_proto(target.format)]
        # Same format on both sides: the client's body and the provider's
        # events go through untouched (the hub is OpenAI's own format).
        passthrough = (
            bodies.client is not None
            and target.format == dispatch.client_format
            and target.format != common_pb2.API_FORMAT_OPENAI_CHAT
        )
        if dispatch.operation == "count_tokens":
            call: Call = self._count_tokens
        else:
            call = self._stream if dispatch.stream else self._unary

        async def chat(account: AccountView) -> None:
            request = adapter.build_request(
                provider,
                account,
                target.model,
                bodies.hub,
                dispatch.stream,
                bodies.client if passthrough else None,
            )
            writer.started(provider.id, account.id, target.model, index, passthrough)
            await call(provider, adapter, request, writer, ack)

        return chat

    async def _unary(
        self,
        provider: ProviderView,
        adapter: Adapter,
        request: UpstreamRequest,
        writer: ReplyWriter,
        ack: Ack,
    ) -> None:
        started = time.perf_counter()
        timeout = aiohttp.ClientTimeout(sock_connect=self._settings.connect_timeout_s)
        async with (
            asyncio.timeout(self._guard.resilience.target_timeout_s),
            self._session.post(
                request.url, data=request.body, headers=request.headers, timeout=timeout
            ) as response,
        ):
            raw = await _read_capped(response, _MAX_RESPONSE_BYTES)
            _raise_for_status(provider, adapter, response, raw)
        parsed = adapter.parse_response(raw, request)
        elapsed = time.perf_counter() - started
        metrics.UPSTREAM_LATENCY.labels(provider.id).observe(elapsed)
        await writer.done(
            parsed.body, parsed.usage, parsed.finish_reason, elapsed * 1000, 0, ack
        )

    async def _stream(
        self,
        provider: ProviderView,
        adapter: Adapter,
        request: UpstreamRequest,
        writer: ReplyWriter,
        ack: Ack,
    ) -> None:
        started = time.perf_counter()
        ttft = 0.0
        reader = adapter.stream_reader(request)
        timeout = aiohttp.ClientTimeout(
            sock_connect=self._settings.connect_timeout_s,
            sock_read=self._settings.stream_idle_timeout_s,
        )
        first_token = self._guard.resilience.first_token_timeout_s
        try:
            async with asyncio.timeout(first_token) as guard:
                async with self._session.post(
                    request.url,
                    data=request.body,
                    headers=request.headers,
                    timeout=timeout,
                ) as response:
                    if response.status >= 400:
                        raw = await _read_capped(response, _MAX_ERROR_BYTES)
                        _raise_for_status(provider, adapter, response, raw)
                    _count(provider.id, response.status)
                    async for data in response.content.iter_any():
                        items = reader.feed(data)
                        if items:
                            if not writer.items_sent:
                                guard.reschedule(None)
                                ttft = time.perf_counter() - started
                                metrics.UPSTREAM_TTFT.labels(provider.id).observe(ttft)
                            await writer.chunks(items)
                    tail = reader.finish()
                    if tail:
                        await writer.chunks(tail)
        except TimeoutError:
            if writer.items_sent:
                raise UpstreamFailure(
                    FailureKind.TIMEOUT, None, "the provider's stream stalled"
                ) from None
            raise UpstreamFailure(
                FailureKind.TIMEOUT,
                None,
                f"no first token from '{provider.id}' within {first_token:g}s",
            ) from None
        except aiohttp.ClientPayloadError:
            raise UpstreamFailure(
                FailureKind.CONNECTION, None, "the provider's stream broke off"
            ) from None
        if not writer.items_sent:
            raise UpstreamFailure(
                FailureKind.SERVER,
                200,
                "the provider's stream ended without any content",
            )
        if not reader.completed:
            raise UpstreamFailure(
                FailureKind.CONNECTION,
                None,
                "the provider's stream ended before the answer was complete",
            )
        elapsed = time.perf_counter() - started
        metrics.UPSTREAM_LATENCY.labels(provider.id).observe(elapsed)
        await writer.done(
            b"",
            reader.usage,
            reader.finish_reason,
            elapsed * 1000,
            int(ttft * 1000),
            ack,
        )

    async def _count_tokens(
        self,
        provider: ProviderView,
        adapter: Adapter,
        request: UpstreamRequest,
        writer: ReplyWriter,
        ack: Ack,
    ) -> None:
        """Anthropic's own token count; other formats count at the edge."""
        if adapter.format is not WireFormat.ANTHROPIC or not request.passthrough:
            raise UpstreamFailure(
                FailureKind.CLIENT, None, "this provider offers no token count"
            )
        body = orjson.loads(request.body)
        body.pop("stream", None)
        timeout = aiohttp.ClientTimeout(sock_connect=self._settings.connect_timeout_s)
        async with self._session.post(
            request.url + "/count_tokens",
            data=orjson.dumps(body),
            headers=request.headers,
            timeout=timeout,
        ) as response:
            raw = await _read_capped(response, _MAX_ERROR_BYTES)
            _raise_for_status(provider, adapter, response, raw)
        await writer.done(raw, None, "", 0, 0, ack)


@dataclass(frozen=True, slots=True)
class Bodies:
    """The hub request, and the client's own body for pass-through targets."""

    hub: dict[str, Any]
    client: dict[str, Any] | None


Call = Callable[
    [ProviderView, Adapter, UpstreamRequest, ReplyWriter, Ack], Awaitable[None]
]


def _count(provider_id: str, status: int | None) -> None:
    metrics.UPSTREAM_REQUESTS.labels(provider_id, metrics.status_class(status)).inc()


def _raise_for_status(
    provider: ProviderView,
    adapter: Adapter,
    response: aiohttp.ClientResponse,
    raw: bytes,
) -> None:
    _count(provider.id, response.status)
    if response.status < 400:
        return
    failure = classify_status(
        response.status, adapter.error_message(raw), dict(response.headers)
    )
    raise failure


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for data in response.content.iter_any():
        size += len(data)
        if size > limit:
            raise UpstreamFailure(
                FailureKind.SERVER,
                response.status,
                "the provider's answer is too large",
            )
        parts.append(data)
    return b"".join(parts)


def _failure(
    status: int, message: str, retry_after: float | None = None, provider: str = ""
) -> dispatch_pb2.Failure:
    error = error_for_status(status, message)
    return dispatch_pb2.Failure(
        status=status,
        message=message,
        type=error.type,
        code=error.code,
        retry_after_seconds=int(retry_after + 0.999) if retry_after else 0,
        provider_id=provider,
    )


def _mid_stream_failure(
    provider_id: str, failure: UpstreamFailure
) -> dispatch_pb2.Failure:
    result = _failure(
        502,
        f"{provider_id}: {failure.message}; the answer is incomplete",
        None,
        provider_id,
    )
    result.mid_stream = True
    return result


_STATUS_BY_KIND = {
    FailureKind.RATE_LIMIT: 429,
    FailureKind.QUOTA: 429,
    FailureKind.AUTH: 502,
    FailureKind.SERVER: 502,
    FailureKind.CONNECTION: 502,
    FailureKind.TIMEOUT: 504,
    FailureKind.MODEL_NOT_FOUND: 404,
    FailureKind.PROVIDER_SCOPED: 400,
    FailureKind.CLIENT: 400,
    FailureKind.BREAKER_OPEN: 503,
}


def final_failure(failures: list[UpstreamFailure], plan: Any) -> dispatch_pb2.Failure:
    """What the client gets when no target answered."""
    if not failures:
        return _failure(503, "no provider can serve this model right now")
    last = failures[-1]
    providers = [t.provider_id for t in plan][: len(failures)]
    provider = providers[-1] if providers else ""
    status = _STATUS_BY_KIND[last.kind]
    message = f"{provider}: {last.message}" if provider else last.message
    if last.kind is FailureKind.AUTH:
        message = (
            f"{provider} rejected the gateway's credentials ({last.status}): "
            f"{last.message}. Check the provider's API key."
        )
    if len(failures) > 1:
        message = f"all {len(failures)} targets failed; last: {message}"
    retry_after = min(
        (f.retry_after_s for f in failures if f.retry_after_s is not None), default=None
    )
    if status in (429, 503) and retry_after is None:
        retry_after = 1.0
    return _failure(status, message, retry_after, provider)
