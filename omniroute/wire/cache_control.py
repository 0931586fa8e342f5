"""Prompt-cache breakpoints (``cache_control``) as the hub carries them.

Anthropic marks the end of a cacheable prefix with ``cache_control`` on a
tool, a system block or a content block; OpenAI-format clients following the
OpenRouter / LiteLLM convention put the same object on content parts and
messages. The hub keeps the markers in those places (see ``hub``): client
translators read them with ``read`` / ``copy``, Anthropic's writes them back,
and the translators of formats without the field leave them out (OpenAI
rejects unknown fields), using ``without`` where they copy hub objects.
"""

from __future__ import annotations

from typing import Any

from omniroute.wire.validation import expect_object

Json = dict[str, Any]

KEY = "cache_control"
# Only these reach the hub: Anthropic rejects unknown keys in the marker, and
# a client's extras (OpenRouter's, LiteLLM's) mean nothing to other providers.
_FIELDS = ("type", "ttl")


def read(value: Any, path: str) -> Json | None:
    """A client's marker as the hub keeps it (``type`` and ``ttl``), or None.

    A marker that is not an object is a 400 naming ``path``.
    """
    if value is None:
        return None
    marker = expect_object(value, path)
    return {key: marker[key] for key in _FIELDS if key in marker}


def copy(target: Json, source: Json, path: str) -> Json:
    """``target`` with the validated marker of ``source`` (at ``path``) if any."""
    target.pop(KEY, None)
    marker = read(source.get(KEY), f"{path}.{KEY}")
    if marker is not None:
        target[KEY] = marker
    return target


def marker_of(item: Any) -> Json | None:
    """A copy of the marker a hub object carries (already validated), or None."""
    marker = item.get(KEY) if isinstance(item, dict) else None
    return dict(marker) if isinstance(marker, dict) else None


def carries(item: Any) -> bool:
    """Whether a hub object carries a marker."""
    return marker_of(item) is not None


def without(item: Json) -> Json:
    """A shallow copy of a hub object without its marker."""
    return {key: value for key, value in item.items() if key != KEY}


def content_without(content: Any) -> Any:
    """A hub content value with no marker on any of its parts."""
    if not isinstance(content, list):
        return content
    return [without(part) if isinstance(part, dict) else part for part in content]
