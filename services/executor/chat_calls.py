"""How one account of a provider serves a chat attempt: a whole answer, a
stream, or Anthropic's token count.

Answers go back through the ``Attempt``; anything that goes wrong is raised
as an ``UpstreamFailure`` (see ``failures.as_failure``) for the plan runner
to decide what happens next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

import aiohttp
import orjson

from omniroute.wire.formats import WireFormat
from services.executor import metrics, prompt_cache
from services.executor.adapters.base import Adapter, StreamReader, UpstreamRequest
from services.executor.attempt import Attempt
from services.executor.classify import FailureKind, UpstreamFailure, classify_status
from services.executor.config_view import AccountView
from services.executor.failures import as_failure
from services.executor.guard import Guard
from services.executor.settings import ExecutorSettings
from services.executor.upstream import UpstreamSession

Json = dict[str, Any]

_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_MAX_ERROR_BYTES = 64 * 1024


class ChatCalls:
    def __init__(
        self,
        session: UpstreamSession,
        adapters: Mapping[WireFormat, Adapter],
        settings: ExecutorSettings,
        guard: Guard,
    ) -> None:
        self._session = session
        self._adapters = adapters
        self._guard = guard
        self._connect_timeout_s = settings.connect_timeout_s
        self._unary_timeout = aiohttp.ClientTimeout(
            sock_connect=settings.connect_timeout_s
        )

    async def serve(self, attempt: Attempt, account: AccountView) -> None:
        """Calls the provider with ``account`` and answers ``attempt``."""
        adapter = self._adapters[attempt.format]
        dispatch = attempt.dispatch
        # Same format on both sides: the client's body and the provider's
        # events go through untouched (the hub is OpenAI's own format).
        passthrough = attempt.passthrough
        request = adapter.build_request(
            attempt.provider,
            account,
            attempt.target.model,
            self._hub_for(attempt, adapter, passthrough),
            dispatch.stream,
            attempt.bodies.client if passthrough else None,
        )
        attempt.start(account, passthrough=passthrough)
        if dispatch.operation == "count_tokens":
            await self._count_tokens(attempt, adapter, request)
        elif dispatch.stream:
            await self._stream(attempt, adapter, request)
        else:
            await self._unary(attempt, adapter, request)

    def _hub_for(self, attempt: Attempt, adapter: Adapter, passthrough: bool) -> Json:
        """The hub request to translate, with automatic prompt-cache
        breakpoints when it goes to an Anthropic-format provider without
        any of its own and the setting is ``auto`` (prompt_cache.py)."""
        hub = attempt.bodies.hub
        if (
            adapter.format is not WireFormat.ANTHROPIC
            or passthrough
            or b"cache_control" in attempt.dispatch.body
            or not prompt_cache.enabled(
                self._guard.routing,
                attempt.provider.id,
                attempt.dispatch.requested_model,
            )
        ):
            return hub
        return prompt_cache.with_breakpoints(hub)

    def _first_byte_s(self, attempt: Attempt) -> float:
        return self._guard.resilience.first_byte_timeout(
            attempt.provider.id, attempt.dispatch.requested_model
        )

    async def _unary(
        self, attempt: Attempt, adapter: Adapter, request: UpstreamRequest
    ) -> None:
        # A non-streaming answer comes at once when it is ready: a provider
        # silent for the first-byte timeout is as stuck as a stream would be.
        first_byte = self._first_byte_s(attempt)
        silence = aiohttp.ClientTimeout(
            sock_connect=self._connect_timeout_s, sock_read=first_byte
        )
        try:
            async with (
                asyncio.timeout(self._guard.resilience.target_timeout_s),
                self._post(request, silence) as response,
            ):
                raw = await _read_capped(response, _MAX_RESPONSE_BYTES)
                _raise_for_status(attempt, adapter, response, raw)
        except aiohttp.ServerTimeoutError:
            raise UpstreamFailure(
                FailureKind.TIMEOUT,
                None,
                f"'{attempt.provider.id}' sent nothing within {first_byte:g}s",
            ) from None
        parsed = adapter.parse_response(raw, request)
        metrics.UPSTREAM_LATENCY.labels(attempt.provider.id).observe(attempt.elapsed_s)
        await attempt.done(
            body=parsed.body, usage=parsed.usage, finish_reason=parsed.finish_reason
        )

    async def _stream(
        self, attempt: Attempt, adapter: Adapter, request: UpstreamRequest
    ) -> None:
        reader = adapter.stream_reader(request)
        first_token = self._first_byte_s(attempt)
        stall = self._guard.resilience.stall_timeout_s
        between_chunks = aiohttp.ClientTimeout(
            sock_connect=self._connect_timeout_s, sock_read=stall
        )
        try:
            async with (
                asyncio.timeout(first_token) as deadline,
                self._post(request, between_chunks) as response,
            ):
                await self._relay(attempt, adapter, response, reader, deadline)
        except (TimeoutError, aiohttp.ClientError) as exc:
            stalled = (
                f"the provider's stream stalled: nothing for {stall:g}s"
                if attempt.writer.items_sent
                else f"no first token from '{attempt.provider.id}' "
                f"within {first_token:g}s"
            )
            raise as_failure(exc, timeout=stalled, streaming=True) from None
        if not attempt.writer.items_sent:
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
        metrics.UPSTREAM_LATENCY.labels(attempt.provider.id).observe(attempt.elapsed_s)
        await attempt.done(
            body=b"", usage=reader.usage, finish_reason=reader.finish_reason
        )

    async def _relay(
        self,
        attempt: Attempt,
        adapter: Adapter,
        response: aiohttp.ClientResponse,
        reader: StreamReader,
        deadline: asyncio.Timeout,
    ) -> None:
        """Forwards the stream's items as they come; the first-token deadline
        is lifted by the first of them (the idle timeout guards the rest)."""
        if response.status >= 400:
            raw = await _read_capped(response, _MAX_ERROR_BYTES)
            _raise_for_status(attempt, adapter, response, raw)
        _count(attempt.provider.id, response.status)
        writer = attempt.writer
        async for data in response.content.iter_any():
            items = reader.feed(data)
            if items:
                if not writer.items_sent:
                    deadline.reschedule(None)
                    ttft = attempt.first_token()
                    metrics.UPSTREAM_TTFT.labels(attempt.provider.id).observe(ttft)
                await writer.chunks(items)
        tail = reader.finish()
        if tail:
            await writer.chunks(tail)

    async def _count_tokens(
        self, attempt: Attempt, adapter: Adapter, request: UpstreamRequest
    ) -> None:
        """Anthropic's own token count; other formats count at the edge."""
        if adapter.format is not WireFormat.ANTHROPIC or not attempt.passthrough:
            raise UpstreamFailure(
                FailureKind.CLIENT, None, "this provider offers no token count"
            )
        body = orjson.loads(request.body)
        body.pop("stream", None)
        count = UpstreamRequest(
            request.url + "/count_tokens", request.headers, orjson.dumps(body)
        )
        async with self._post(count, self._unary_timeout) as response:
            raw = await _read_capped(response, _MAX_ERROR_BYTES)
            _raise_for_status(attempt, adapter, response, raw)
        await attempt.done(body=raw, usage=None)

    def _post(
        self, request: UpstreamRequest, timeout: aiohttp.ClientTimeout
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        return self._session.post(
            request.url, data=request.body, headers=request.headers, timeout=timeout
        )


def _count(provider_id: str, status: int | None) -> None:
    metrics.UPSTREAM_REQUESTS.labels(provider_id, metrics.status_class(status)).inc()


def _raise_for_status(
    attempt: Attempt,
    adapter: Adapter,
    response: aiohttp.ClientResponse,
    raw: bytes,
) -> None:
    _count(attempt.provider.id, response.status)
    if response.status < 400:
        return
    raise classify_status(
        response.status, adapter.error_message(raw), dict(response.headers)
    )


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
