"""What a semantic match compares: the last user turn, within one context.

Two requests can share a cached answer only when everything but the wording
of the last user turn is identical: same isolation scope, model, sampling
parameters and earlier conversation (its digest is part of the partition).
Within a partition the last user turn is compared by embedding similarity.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from services.cache.keys import TRANSPORT_FIELDS, normalise_messages


def split_prompt(request: dict[str, Any]) -> tuple[list[Any], str]:
    """(the conversation before the last user turn, that turn's text)."""
    messages = normalise_messages(request.get("messages") or [])
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return messages[:index] + messages[index + 1 :], content
            return messages, ""  # images or files: no semantic match
    return messages, ""


def partition(scope: str, model: str, request: dict[str, Any]) -> tuple[str, str]:
    """(the partition key, the text to embed); empty text means "do not match"."""
    context, text = split_prompt(request)
    material = {
        "scope": scope,
        "model": model,
        "context": context,
        "params": {
            k: v
            for k, v in request.items()
            if k not in TRANSPORT_FIELDS and k != "messages"
        },
    }
    digest = hashlib.sha256(orjson.dumps(material, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()[:32], text.strip()
