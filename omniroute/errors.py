"""The one error hierarchy of OmniRoute.

Domain code raises these; each transport renders them: the edge in the
client's own wire format (``omniroute.wire.errors``), gRPC servers as status
codes (``omniroute.runtime.grpc_server``). Messages are written for the person
reading them: what went wrong and what to do next.
"""

from __future__ import annotations


class GatewayError(Exception):
    """An error that reaches a client with an HTTP status."""

    status: int = 500
    type: str = "server_error"
    code: str = "internal_server_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        retry_after: int | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.param = param
        self.retry_after = retry_after


class BadRequest(GatewayError):
    status = 400
    type = "invalid_request_error"
    code = "bad_request"


class Unauthorized(GatewayError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class Forbidden(GatewayError):
    status = 403
    type = "permission_error"
    code = "forbidden"


class NotFound(GatewayError):
    status = 404
    type = "invalid_request_error"
    code = "model_not_found"


class MethodNotAllowed(GatewayError):
    status = 405
    type = "invalid_request_error"
    code = "method_not_allowed"


class Conflict(GatewayError):
    status = 409
    type = "invalid_request_error"
    code = "conflict"


class PayloadTooLarge(GatewayError):
    status = 413
    type = "invalid_request_error"
    code = "payload_too_large"


class UnsupportedMediaType(GatewayError):
    status = 415
    type = "invalid_request_error"
    code = "unsupported_media_type"


class RateLimited(GatewayError):
    status = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"


class NotSupported(GatewayError):
    """A feature this gateway deliberately does not offer."""

    status = 501
    type = "invalid_request_error"
    code = "not_supported"


class UpstreamError(GatewayError):
    """A provider failed and every fallback was tried."""

    status = 502
    type = "server_error"
    code = "bad_gateway"


class Unavailable(GatewayError):
    status = 503
    type = "server_error"
    code = "service_unavailable"


class GatewayTimeout(GatewayError):
    status = 504
    type = "server_error"
    code = "gateway_timeout"


_BY_STATUS: dict[int, type[GatewayError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        RateLimited,
        NotSupported,
        UpstreamError,
        Unavailable,
        GatewayTimeout,
    )
}


def error_for_status(
    status: int,
    message: str,
    *,
    code: str | None = None,
    retry_after: int | None = None,
) -> GatewayError:
    """Builds the error class that matches an HTTP status."""
    cls = _BY_STATUS.get(status, GatewayError)
    return cls(message, code=code, retry_after=retry_after, status=status)
