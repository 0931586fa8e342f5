"""Byte framing shared by the formats: JSON, server-sent events, NDJSON."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from typing import Any

import orjson

SSE_DONE = b"data: [DONE]\n\n"


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def sse(value: Any, event: str | None = None, *, crlf: bool = False) -> bytes:
    """One SSE frame carrying compact JSON; ``crlf`` ends lines as Gemini does."""
    end = b"\r\n" if crlf else b"\n"
    head = b"event: " + event.encode() + end if event else b""
    return head + b"data: " + orjson.dumps(value) + end + end


def ndjson(value: Any) -> bytes:
    return orjson.dumps(value) + b"\n"


def corrupt(frame: bytes) -> bytes:
    """The same frame with its JSON cut in half: what ``malformed`` sends."""
    marker = frame.find(b"data: ")
    if marker < 0:
        body = frame.rstrip(b"\r\n")
        return body[: max(1, len(body) // 2)] + frame[len(body) :]
    start = marker + len(b"data: ")
    end = frame.find(b"\n", start)
    end = len(frame) if end < 0 else end
    if frame[end - 1 : end] == b"\r":
        end -= 1
    payload = frame[start:end]
    return frame[:start] + payload[: max(1, len(payload) // 2)] + frame[end:]


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + uuid.uuid4().hex[:length]


def now() -> int:
    return int(time.time())


def signature(text: str) -> str:
    """A stable opaque signature (thinking blocks, thought signatures)."""
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
