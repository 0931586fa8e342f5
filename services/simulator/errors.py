"""Each provider's own error body, and which provider a path belongs to."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any


class Dialect(StrEnum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"
    OLLAMA = "ollama"
    DEEPGRAM = "deepgram"
    ASSEMBLYAI = "assemblyai"
    ELEVENLABS = "elevenlabs"
    COHERE = "cohere"
    JINA = "jina"
    VOYAGE = "voyage"
    TEI = "tei"
    INFINITY = "infinity"


class ProviderError(Exception):
    """Raised by handlers; rendered in the dialect of the called path."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_gemini_client(headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
    """Gemini clients send ``x-goog-api-key`` (or ``?key=``) and the SDK its
    ``x-goog-api-client``; they share ``/v1/models`` with OpenAI's."""
    return (
        "x-goog-api-key" in headers or "x-goog-api-client" in headers or "key" in query
    )


# The self-hosted and smaller rerank services are served under a prefix of
# their own (their presets' base URL is the simulator's plus the prefix).
_RERANK_PREFIXES = {
    "/jina/": Dialect.JINA,
    "/voyage/": Dialect.VOYAGE,
    "/tei/": Dialect.TEI,
    "/infinity/": Dialect.INFINITY,
}


def dialect_for(
    path: str, headers: Mapping[str, str], query: Mapping[str, str]
) -> Dialect:
    """The provider whose error shape a call to ``path`` expects. ``GET
    /v1/models`` is shared: ``anthropic-version`` marks the Anthropic SDK."""
    for prefix, dialect in _RERANK_PREFIXES.items():
        if path.startswith(prefix):
            return dialect
    if path in ("/v1/rerank", "/v2/rerank"):
        return Dialect.COHERE
    if path.startswith("/v1/text-to-speech/"):
        return Dialect.ELEVENLABS
    if path.startswith("/v1/messages") or "anthropic-version" in headers:
        return Dialect.ANTHROPIC
    if path.startswith("/v1beta") or ":" in path.rsplit("/", 1)[-1]:
        return Dialect.GEMINI
    if path.startswith("/v1/models") and is_gemini_client(headers, query):
        return Dialect.GEMINI
    if path.startswith("/api/"):
        return Dialect.OLLAMA
    if path.startswith("/v1/listen"):
        return Dialect.DEEPGRAM
    if path.startswith("/v2/"):
        return Dialect.ASSEMBLYAI
    return Dialect.OPENAI


_OPENAI: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}
_ANTHROPIC = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_GEMINI = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_DEEPGRAM = {
    400: "Bad Request",
    401: "INVALID_AUTH",
    402: "ASR_PAYMENT_REQUIRED",
    403: "ACCESS_DENIED",
    404: "NOT_FOUND",
    413: "PAYLOAD_TOO_LARGE",
    429: "TOO_MANY_REQUESTS",
}
_DEFAULT_MESSAGES = {
    400: "Invalid request.",
    401: "Invalid API key provided.",
    403: "Permission denied.",
    404: "Not found.",
    408: "Request timed out.",
    429: "Rate limit reached. Please try again later.",
    500: "The server had an error while processing your request.",
    502: "Bad gateway.",
    503: "The service is temporarily unavailable.",
    504: "The request timed out.",
    529: "Overloaded",
}


_ELEVENLABS = {
    400: "invalid_request",
    401: "invalid_api_key",
    403: "forbidden",
    404: "not_found",
    429: "too_many_concurrent_requests",
}
# TEI's ErrorType, by the status its router answers each with.
_TEI = {400: "empty", 413: "validation", 422: "tokenizer", 429: "overloaded"}


def default_message(status: int) -> str:
    return _DEFAULT_MESSAGES.get(status, f"Simulated error {status}.")


def _anthropic(status: int, message: str) -> dict[str, Any]:
    kind = _ANTHROPIC.get(status)
    if kind is None:
        kind = "api_error" if status >= 500 else "invalid_request_error"
    return {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": "req_" + uuid.uuid4().hex[:24],
    }


def _gemini(status: int, message: str) -> dict[str, Any]:
    fallback = "INTERNAL" if status >= 500 else "FAILED_PRECONDITION"
    state = _GEMINI.get(status, fallback)
    return {"error": {"code": status, "message": message, "status": state}}


def _deepgram(status: int, message: str) -> dict[str, Any]:
    err_code = _DEEPGRAM.get(status, "INTERNAL_SERVER_ERROR")
    return {"err_code": err_code, "err_msg": message, "request_id": str(uuid.uuid4())}


def _elevenlabs(status: int, message: str) -> dict[str, Any]:
    if status == 422:
        # Request validation (FastAPI's): a list of what failed, not a status.
        return {"detail": [{"type": "value_error", "loc": ["body"], "msg": message}]}
    fallback = "internal_server_error" if status >= 500 else "invalid_request"
    return {"detail": {"status": _ELEVENLABS.get(status, fallback), "message": message}}


def _tei(status: int, message: str) -> dict[str, Any]:
    fallback = "backend" if status >= 500 else "validation"
    kind = "unhealthy" if status == 503 else _TEI.get(status, fallback)
    return {"error": message, "error_type": kind}


def _openai(status: int, message: str) -> dict[str, Any]:
    kind, code = _OPENAI.get(status, ("server_error", None))
    if status < 500 and status not in _OPENAI:
        kind = "invalid_request_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


_BODIES: dict[Dialect, Callable[[int, str], dict[str, Any]]] = {
    Dialect.ANTHROPIC: _anthropic,
    Dialect.GEMINI: _gemini,
    Dialect.OLLAMA: lambda status, message: {"error": message},
    Dialect.ASSEMBLYAI: lambda status, message: {"error": message},
    Dialect.DEEPGRAM: _deepgram,
    Dialect.ELEVENLABS: _elevenlabs,
    Dialect.COHERE: lambda status, message: {
        "id": str(uuid.uuid4()),
        "message": message,
    },
    # Jina and Voyage answer as FastAPI does: ``detail`` holds the text.
    Dialect.JINA: lambda status, message: {"detail": message},
    Dialect.VOYAGE: lambda status, message: {"detail": message},
    Dialect.TEI: _tei,
    # Infinity's OpenAI-style exception: the status itself is the code.
    Dialect.INFINITY: lambda status, message: {
        "error": {"message": message, "type": None, "param": None, "code": status}
    },
    Dialect.OPENAI: _openai,
}


def error_body(dialect: Dialect, status: int, message: str) -> dict[str, Any]:
    """The JSON error object ``dialect``'s provider answers with."""
    return _BODIES[dialect](status, message)
