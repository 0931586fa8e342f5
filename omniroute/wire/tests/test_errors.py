"""Errors in each client format's own shape."""

from __future__ import annotations

import anthropic
import pytest

from omniroute.errors import (
    BadRequest,
    GatewayError,
    GatewayTimeout,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from omniroute.wire.errors import error_body, error_from_body
from omniroute.wire.formats import WireFormat


def test_openai_and_responses_share_the_openai_shape() -> None:
    error = BadRequest("messages: is required", param="messages")
    expected = {
        "error": {
            "message": "messages: is required",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "bad_request",
        }
    }
    assert error_body(WireFormat.OPENAI_CHAT, error) == expected
    assert error_body(WireFormat.RESPONSES, error) == expected


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (BadRequest("x"), "invalid_request_error"),
        (Unauthorized("x"), "authentication_error"),
        (NotFound("x"), "not_found_error"),
        (RateLimited("x"), "rate_limit_error"),
        (Unavailable("x"), "overloaded_error"),
        (GatewayTimeout("x"), "timeout_error"),
        (GatewayError("x"), "api_error"),
        (GatewayError("x", status=413), "request_too_large"),
    ],
)
def test_anthropic_error_types(error: GatewayError, kind: str) -> None:
    body = error_body(WireFormat.ANTHROPIC, error)
    assert body == {"type": "error", "error": {"type": kind, "message": "x"}}
    if (
        kind != "request_too_large"
    ):  # documented, sent by Anthropic's CDN; not in the SDK
        parsed = anthropic.types.ErrorResponse.model_validate(body)
        assert parsed.error.type == kind


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (BadRequest("x"), "INVALID_ARGUMENT"),
        (Unauthorized("x"), "UNAUTHENTICATED"),
        (NotFound("x"), "NOT_FOUND"),
        (RateLimited("x"), "RESOURCE_EXHAUSTED"),
        (Unavailable("x"), "UNAVAILABLE"),
        (GatewayTimeout("x"), "DEADLINE_EXCEEDED"),
        (GatewayError("x"), "INTERNAL"),
    ],
)
def test_gemini_error_status(error: GatewayError, status: str) -> None:
    assert error_body(WireFormat.GEMINI, error) == {
        "error": {"code": error.status, "message": "x", "status": status}
    }


def test_ollama_error_is_a_bare_message() -> None:
    assert error_body(WireFormat.OLLAMA, NotFound("model 'x' not found")) == {
        "error": "model 'x' not found"
    }


@pytest.mark.parametrize(
    ("fmt", "body", "status", "error_class"),
    [
        (
            WireFormat.ANTHROPIC,
            {"type": "error", "error": {"type": "not_found_error", "message": "m"}},
            None,
            NotFound,
        ),
        (
            WireFormat.OPENAI_CHAT,
            {"error": {"message": "m", "type": "invalid_request_error"}},
            None,
            BadRequest,
        ),
        (
            WireFormat.OPENAI_CHAT,
            {"error": {"message": "m", "type": "x"}},
            401,
            Unauthorized,
        ),
        (
            WireFormat.GEMINI,
            {"error": {"code": 404, "message": "m", "status": "NOT_FOUND"}},
            None,
            NotFound,
        ),
        (
            WireFormat.GEMINI,
            {"error": {"message": "m", "status": "RESOURCE_EXHAUSTED"}},
            None,
            RateLimited,
        ),
        (WireFormat.OLLAMA, {"error": "m"}, 404, NotFound),
    ],
)
def test_provider_error_bodies_become_errors(
    fmt: WireFormat,
    body: dict[str, object],
    status: int | None,
    error_class: type[GatewayError],
) -> None:
    error = error_from_body(fmt, body, status)
    assert type(error) is error_class
    assert error.message == "m"
