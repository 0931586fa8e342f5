"""Renders a ``GatewayError`` in the error shape of each client format."""

from __future__ import annotations

from typing import Any

from omniroute.errors import GatewayError


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
