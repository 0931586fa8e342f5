"""The request bodies of moderations, rerank and speech, checked at the edge.

Each check answers a clear 400 naming the field, as OpenAI (moderations,
speech) and Cohere (rerank) do, before anything is dispatched; what passes
is forwarded as the client sent it.
"""

from __future__ import annotations

from typing import Any

from omniroute.errors import BadRequest

MAX_RERANK_DOCUMENTS = 1000
MAX_SPEECH_CHARACTERS = 4096
SPEECH_FORMATS = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
_MODERATION_PARTS = ("text", "image_url")


def moderation_body(body: dict[str, Any]) -> dict[str, Any]:
    """``input``: a string, a list of strings, or a list of text and
    image_url parts; ``model`` defaults to omni-moderation-latest."""
    raw = body.get("input")
    if isinstance(raw, str):
        pass
    elif isinstance(raw, list) and raw:
        if not all(isinstance(item, str) or _moderation_part(item) for item in raw):
            raise BadRequest(
                "input: strings, or parts of type 'text' or 'image_url'",
                param="input",
            )
    else:
        raise BadRequest("input: a string or a non-empty list of inputs", param="input")
    return {"model": "omni-moderation-latest", **body}


def _moderation_part(item: object) -> bool:
    return isinstance(item, dict) and item.get("type") in _MODERATION_PARTS


def rerank_body(body: dict[str, Any]) -> dict[str, Any]:
    """Cohere's shape: ``query``, ``documents`` (strings or ``{text}``),
    ``top_n``, ``return_documents``."""
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("query: a non-empty string is required", param="query")
    documents = body.get("documents")
    if not isinstance(documents, list) or not documents:
        raise BadRequest(
            "documents: a non-empty list of strings is required", param="documents"
        )
    if len(documents) > MAX_RERANK_DOCUMENTS:
        raise BadRequest(
            f"documents: at most {MAX_RERANK_DOCUMENTS} per request",
            param="documents",
        )
    if not all(
        isinstance(d, str) or (isinstance(d, dict) and isinstance(d.get("text"), str))
        for d in documents
    ):
        raise BadRequest(
            "documents: each a string or an object with a 'text' string",
            param="documents",
        )
    top_n = body.get("top_n")
    if top_n is not None and (
        not isinstance(top_n, int) or isinstance(top_n, bool) or top_n < 1
    ):
        raise BadRequest("top_n: a positive integer", param="top_n")
    if not isinstance(body.get("return_documents", False), bool):
        raise BadRequest("return_documents: true or false", param="return_documents")
    return body


def speech_body(body: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's shape: ``input`` (up to 4096 characters), ``voice``,
    ``response_format`` (mp3 by default), ``speed`` 0.25 to 4."""
    text = body.get("input")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("input: a non-empty string is required", param="input")
    if len(text) > MAX_SPEECH_CHARACTERS:
        raise BadRequest(
            f"input: at most {MAX_SPEECH_CHARACTERS} characters", param="input"
        )
    voice = body.get("voice")
    if not (
        (isinstance(voice, str) and voice)
        or (isinstance(voice, dict) and isinstance(voice.get("id"), str))
    ):
        raise BadRequest(
            "voice: a voice name (e.g. 'alloy') or {'id': ...}", param="voice"
        )
    fmt = body.get("response_format", "mp3")
    if not isinstance(fmt, str) or fmt not in SPEECH_FORMATS:
        raise BadRequest(
            f"response_format: one of {', '.join(SPEECH_FORMATS)}",
            param="response_format",
        )
    speed = body.get("speed", 1.0)
    if (
        not isinstance(speed, int | float)
        or isinstance(speed, bool)
        or not 0.25 <= speed <= 4.0
    ):
        raise BadRequest("speed: a number from 0.25 to 4.0", param="speed")
    return body
