"""Gemini ``models.list`` and ``models.get`` bodies for the gateway's models.

A model's ``name`` is ``models/<gateway id>``, which a client can hand back
unchanged to ``models/{model}:generateContent``. Token limits are left out:
the gateway does not know them for the providers it routes to.
"""

from __future__ import annotations

from typing import Any

from omniroute.wire.validation import fail

Json = dict[str, Any]

_CHAT = ("generateContent", "streamGenerateContent", "countTokens")
_EMBEDDING = ("embedContent", "batchEmbedContents", "countTokens")
# Routing-table model types a Gemini client can use; image and speech models
# have no Gemini method at the gateway, so Gemini clients are not shown them.
_METHODS = {"chat": _CHAT, "combo": _CHAT, "embedding": _EMBEDDING}

# The Gemini API's own defaults: 50 models a page, never more than 1000.
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def methods(kind: str) -> tuple[str, ...]:
    """The Gemini methods a model of routing type ``kind`` serves (none: hidden)."""
    return _METHODS.get(kind, ())


def model_entry(model_id: str, kind: str, owned_by: str) -> Json:
    """One Gemini ``Model`` resource."""
    return {
        "name": f"models/{model_id}",
        "displayName": model_id,
        "description": f"{kind} model served by {owned_by} through OmniRoute",
        "supportedGenerationMethods": list(methods(kind)),
    }


def model_page(entries: list[Json], page_size: Any, page_token: Any) -> Json:
    """One page of a ``ListModelsResponse`` (query values are strings or None).

    The page token is the offset of the page's first model; the last page has
    no ``nextPageToken``, which is what ends a client's pager.
    """
    size = _page_size(page_size)
    start = _offset(page_token, len(entries))
    page: Json = {"models": entries[start : start + size]}
    if start + size < len(entries):
        page["nextPageToken"] = str(start + size)
    return page


def _page_size(value: Any) -> int:
    if value is None or value == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(value)
    except ValueError:
        raise fail("pageSize", "expected an integer") from None
    if size < 0:
        raise fail("pageSize", "must not be negative")
    # As Gemini: 0 means the default, and larger sizes are capped, not refused.
    return min(size, MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE


def _offset(token: Any, total: int) -> int:
    if token is None or token == "":
        return 0
    if not str(token).isdigit() or int(token) > total:
        raise fail("pageToken", "not a token from an earlier models.list answer")
    return int(token)
