"""The key of a request's long stable prompt prefix, for cache-aware routing.

A provider keeps a prompt-prefix cache per account, so turns of one
conversation should reach the account that served the previous turn. The
key names the part of a conversation that never changes between its turns:
the tools, the system prompt and the first turn. It leaves out
``cache_control`` marks, which clients move to the newest turn every time.
Short requests get no key: providers cache nothing under about a thousand
tokens, so their placement costs nothing to change.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

# About 1,024 tokens at ~4 characters a token: the smallest prefix Anthropic
# and OpenAI cache.
MIN_CACHEABLE_CHARS = 4096
_SYSTEM_ROLES = ("system", "developer")


def prefix_key(hub: dict[str, Any], request_chars: int) -> str:
    """The prefix key of a hub request ``request_chars`` long ("" if short)."""
    if request_chars < MIN_CACHEABLE_CHARS:
        return ""
    head: list[Any] = [hub.get("tools") or []]
    for message in hub.get("messages") or []:
        head.append(_unmarked(message))
        if isinstance(message, dict) and message.get("role") not in _SYSTEM_ROLES:
            break  # the first turn closes the stable head
    digest = hashlib.blake2b(orjson.dumps(head), digest_size=16)
    return digest.hexdigest()


def _unmarked(value: Any) -> Any:
    """``value`` without ``cache_control`` anywhere in it."""
    if isinstance(value, dict):
        return {k: _unmarked(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_unmarked(v) for v in value]
    return value
