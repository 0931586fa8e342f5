"""Reads a request body under a hard size bound and parses it once."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from omniroute.errors import BadRequest, PayloadTooLarge


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise _too_large(limit)
        parts.append(part)
    return b"".join(parts)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise BadRequest("the request body is empty; send a JSON object")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    if _deeper_than(body, MAX_DEPTH):
        raise BadRequest(
            f"the request body nests deeper than {MAX_DEPTH} levels; no API "
            "this gateway serves takes that"
        )
    return body


# Far beyond any real request (a JSON Schema of tool parameters nests a few
# dozen levels) and below what the serialiser takes (orjson: 254).
MAX_DEPTH = 128


def _deeper_than(value: Any, limit: int) -> bool:
    """Does ``value`` nest more than ``limit`` containers deep? Iterative:
    the check itself must not recurse."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        children = current.values() if isinstance(current, dict) else current
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the request body is larger than {limit} bytes (MAX_BODY_BYTES)"
    )
