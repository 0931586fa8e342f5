"""Renders a ``GatewayError`` in the error shape of each client format."""

from __future__ import annotations

from typing import Any

from omniroute.errors import GatewayError, error_for_status
from omniroute.wire.formats import WireFormat


def openai_error_body(error: GatewayError) -> dict[str, Any]:
    """OpenAI ``{"error": {"message", "type", "param", "code"}}``."""
    return {
        "error": {
            "message": error.message,
            "type": error.type,
            "param": error.param,
            "code": error.code,
        }
    }


def responses_error_body(error: GatewayError) -> dict[str, Any]:
    """The Responses API answers errors in the OpenAI shape."""
    return openai_error_body(error)


# Anthropic's documented error types by HTTP status; 529 is its "overloaded",
# which is what our 503 means to an Anthropic client.
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    415: "invalid_request_error",
    429: "rate_limit_error",
    503: "overloaded_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def anthropic_error_type(status: int) -> str:
    """Anthropic's error ``type`` for an HTTP status."""
    if status in _ANTHROPIC_TYPES:
        return _ANTHROPIC_TYPES[status]
    return "invalid_request_error" if 400 <= status < 500 else "api_error"


def anthropic_error_body(error: GatewayError) -> dict[str, Any]:
    """Anthropic ``{"type": "error", "error": {"type", "message"}}``."""
    return {
        "type": "error",
        "error": {"type": anthropic_error_type(error.status), "message": error.message},
    }


# google.rpc.Code names as the Gemini API reports them for each HTTP status.
_GEMINI_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def gemini_status(status: int) -> str:
    """The ``google.rpc.Code`` name Gemini uses for an HTTP status."""
    if status in _GEMINI_STATUS:
        return _GEMINI_STATUS[status]
    return "FAILED_PRECONDITION" if 400 <= status < 500 else "INTERNAL"


def gemini_error_body(error: GatewayError) -> dict[str, Any]:
    """Gemini ``{"error": {"code", "message", "status"}}``."""
    return {
        "error": {
            "code": error.status,
            "message": error.message,
            "status": gemini_status(error.status),
        }
    }


def ollama_error_body(error: GatewayError) -> dict[str, Any]:
    """Ollama ``{"error": "message"}``."""
    return {"error": error.message}


_BODIES = {
    WireFormat.OPENAI_CHAT: openai_error_body,
    WireFormat.ANTHROPIC: anthropic_error_body,
    WireFormat.RESPONSES: responses_error_body,
    WireFormat.GEMINI: gemini_error_body,
    WireFormat.OLLAMA: ollama_error_body,
}


def error_body(fmt: WireFormat, error: GatewayError) -> dict[str, Any]:
    """The error body a client of ``fmt`` expects."""
    return _BODIES[fmt](error)


_ANTHROPIC_STATUS = {v: k for k, v in _ANTHROPIC_TYPES.items() if k not in (415, 503)}
_ANTHROPIC_STATUS.update({"invalid_request_error": 400, "api_error": 500})
_GEMINI_HTTP = {v: k for k, v in reversed(_GEMINI_STATUS.items())}
_GEMINI_HTTP["UNAVAILABLE"] = 503
_OPENAI_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "insufficient_quota": 429,
    "server_error": 500,
}


def _openai_status(error: dict[str, Any]) -> int:
    for key in ("code", "type"):
        value = error.get(key)
        if isinstance(value, str) and value in _OPENAI_STATUS:
            return _OPENAI_STATUS[value]
    return 500


def error_from_body(
    fmt: WireFormat, body: Any, status: int | None = None
) -> GatewayError:
    """A provider's error body (HTTP answer or in-stream error) as an error.

    ``status`` is the HTTP status when there was one; errors met inside a
    stream carry none, so it is inferred from the error's type.
    """
    error = body.get("error") if isinstance(body, dict) else None
    message = "the provider reported an error"
    code: str | None = None
    inferred = 500
    if isinstance(error, str):
        message = error
    elif isinstance(error, dict):
        message = str(error.get("message") or message)
        raw_code = error.get("code")
        code = raw_code if isinstance(raw_code, str) else None
        if fmt is WireFormat.ANTHROPIC:
            inferred = _ANTHROPIC_STATUS.get(str(error.get("type")), 500)
        elif fmt is WireFormat.GEMINI:
            code = str(error.get("status") or "") or None
            if isinstance(raw_code, int) and 400 <= raw_code < 600:
                inferred = raw_code
            else:
                inferred = _GEMINI_HTTP.get(code or "", 500)
        else:
            inferred = _openai_status(error)
    return error_for_status(status or inferred, message, code=code)
