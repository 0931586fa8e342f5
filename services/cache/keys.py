"""Exact-cache keys: what makes two requests "the same question".

The key covers the isolation scope (API key), the resolved model, the
normalised conversation and every parameter that can change the answer.
Fields that only change the transport (``stream``, ``stream_options``) or
bookkeeping (``user``, ``metadata``) are left out, so a streamed and a
non-streamed ask of the same question share one entry. The key is computed
from the request as the client sent it, before any mutation on the way
upstream, so reads and writes always agree.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

TRANSPORT_FIELDS = frozenset(
    {"model", "stream", "stream_options", "user", "metadata", "store", "service_tier"}
)


def exact_key(scope: str, model: str, request: dict[str, Any]) -> str:
    material = {
        "scope": scope,
        "model": model,
        "request": {
            key: normalise_messages(value) if key == "messages" else value
            for key, value in request.items()
            if key not in TRANSPORT_FIELDS
        },
    }
    return hashlib.sha256(
        orjson.dumps(material, option=orjson.OPT_SORT_KEYS)
    ).hexdigest()


def normalise_messages(messages: Any) -> Any:
    if not isinstance(messages, list):
        return messages
    return [_normalise_message(m) for m in messages]


def _normalise_message(message: Any) -> Any:
    if not isinstance(message, dict):
        return message
    content = message.get("content")
    # [{"type": "text", "text": "hi"}] asks the same as "hi".
    if isinstance(content, list) and all(
        isinstance(p, dict) and p.get("type") == "text" for p in content
    ):
        message = {
            **message,
            "content": "".join(str(p.get("text", "")) for p in content),
        }
    if "role" not in message:
        message = {**message, "role": "user"}
    return message
