"""gRPC plumbing shared by the router and cache services.

One interceptor maps the domain error hierarchy to status codes; every server
gets the standard health service and reflection; stop is graceful.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry import trace

from omniroute import errors
from omniroute.runtime import telemetry

log = logging.getLogger(__name__)

_STATUS_CODES: dict[int, grpc.StatusCode] = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}
_HTTP_STATUS = {code: status for status, code in _STATUS_CODES.items()}


def status_code_for(error: errors.GatewayError) -> grpc.StatusCode:
    return _STATUS_CODES.get(error.status, grpc.StatusCode.INTERNAL)


def error_from_rpc(exc: grpc.aio.AioRpcError) -> errors.GatewayError:
    """The domain error a failed call stands for (client side of the mapping)."""
    status = _HTTP_STATUS.get(exc.code(), 503)
    return errors.error_for_status(status, exc.details() or exc.code().name)


class DomainErrorInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Turns ``GatewayError`` raised by a servicer into a gRPC status."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method.rsplit("/", 1)[-1]
        metadata = handler_call_details.invocation_metadata or ()
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                _unary(handler.unary_unary, method, metadata),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                _server_stream(handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler


def _unary(
    inner: Callable[..., Awaitable[Any]], method: str, metadata: Any
) -> Callable[..., Awaitable[Any]]:
    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        parent = telemetry.context_from(list(metadata)) if telemetry.enabled() else None
        with telemetry.span(method, parent, trace.SpanKind.SERVER):
            try:
                return await inner(request, context)
            except errors.GatewayError as exc:
                await context.abort(status_code_for(exc), exc.message)

    return call


def _server_stream(
    inner: Callable[..., AsyncIterator[Any]],
) -> Callable[..., AsyncIterator[Any]]:
    async def call(
        request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        try:
            async for item in inner(request, context):
                yield item
        except errors.GatewayError as exc:
            await context.abort(status_code_for(exc), exc.message)

    return call


class GrpcServer:
    """A ``grpc.aio`` server with health, reflection and the error interceptor."""

    def __init__(self, host: str, port: int, service_names: Sequence[str]) -> None:
        self.server = grpc.aio.server(
            interceptors=[DomainErrorInterceptor()],
            options=[
                # Clients reconnect now and then, re-resolve DNS and so find
                # replicas added since they connected.
                ("grpc.max_connection_age_ms", 300_000),
                ("grpc.max_connection_age_grace_ms", 30_000),
            ],
        )
        self._health = health.aio.HealthServicer()
        self._service_names = list(service_names)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self.server)
        reflection.enable_server_reflection(
            [*self._service_names, reflection.SERVICE_NAME, health.SERVICE_NAME],
            self.server,
        )
        self.port = self.server.add_insecure_port(f"{host}:{port}")

    async def start(self) -> None:
        await self.server.start()
        for name in ["", *self._service_names]:
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float = 5.0) -> None:
        """Stops taking calls, lets running ones finish for ``grace`` seconds."""
        for name in ["", *self._service_names]:
            await self._health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.stop(grace)
