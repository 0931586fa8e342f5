"""Small helpers the request parsers of every format share."""

from __future__ import annotations

from typing import Any

import orjson

from services.simulator.errors import ProviderError

TEXT_PART_TYPES = frozenset({"text", "input_text", "output_text"})


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 in the caller's dialect."""
    try:
        body = orjson.loads(raw or b"null")
    except orjson.JSONDecodeError as exc:
        raise ProviderError(400, f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ProviderError(400, "The request body must be a JSON object.")
    return body


def required(body: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = body.get(key)
    if not isinstance(value, kind):
        raise ProviderError(400, f"'{key}' is a required property of the right type.")
    return value


def model_of(body: dict[str, Any]) -> str:
    model = required(body, "model", str)
    if not model:
        raise ProviderError(400, "'model' must not be empty.")
    return str(model)


def text_of(content: Any) -> str:
    """Text of a message content: a string, or the text parts of a list
    (OpenAI ``text``, Responses ``input_text``/``output_text``, Anthropic
    ``text`` blocks), joined by one space."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts = [
        part["text"]
        for part in content
        if isinstance(part, dict)
        and part.get("type", "text") in TEXT_PART_TYPES
        and isinstance(part.get("text"), str)
    ]
    return " ".join(texts)


def positive_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None
