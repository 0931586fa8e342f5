"""What every provider call goes through before its handler: read the body,
record the call, check the key, pick a fault rule, wait the latency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from services.simulator.delivery import error_response, fault_response, hang
from services.simulator.errors import ProviderError, dialect_for
from services.simulator.inbound import Inbound, read_inbound
from services.simulator.state import DIALECT, FAULT, INBOUND, STATE

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ProviderHandler = Callable[[web.Request, Inbound], Awaitable[web.StreamResponse]]


def provider_route(handler: ProviderHandler) -> Handler:
    """Wraps a provider endpoint; errors it raises are rendered in the
    called provider's own shape."""

    async def route(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        dialect = dialect_for(request.path, request.headers, request.query)
        request[DIALECT] = dialect
        inbound = await read_inbound(request)
        request[INBOUND] = inbound
        state.calls.record(
            method=request.method,
            path=request.path,
            query=request.query_string,
            key=inbound.credential,
            model=inbound.model,
            headers={str(name): value for name, value in request.headers.items()},
            body=inbound.summary(request.content_type),
        )
        required = state.config.required_keys
        if required and inbound.credential not in required:
            message = (
                "Invalid API key provided."
                if inbound.credential
                else "Missing API key."
            )
            return error_response(dialect, 401, message)
        rule = state.faults.take(inbound.credential, inbound.model, request.path)
        if rule is not None:
            request[FAULT] = rule
        delay_ms = state.config.latency_ms + ((rule.latency_ms or 0) if rule else 0)
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        if rule is not None:
            if rule.hang:
                await hang(request)
            if rule.status is not None and rule.error_after_chunks is None:
                return fault_response(rule, dialect)
        try:
            return await handler(request, inbound)
        except ProviderError as error:
            return error_response(dialect, error.status, error.message)

    return route
