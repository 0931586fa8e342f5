"""Ollama embeddings as OpenAI embeddings requests, and the answers back.

``/api/embed`` takes ``input`` (a string or a list of strings) and answers
``embeddings`` (one vector per input); the legacy ``/api/embeddings`` takes
one ``prompt`` and answers one ``embedding``. Every embedding provider is
asked in OpenAI's shape (the executor's embeddings call), so this is the
whole translation.
"""

from __future__ import annotations

from typing import Any

from omniroute.wire import hub
from omniroute.wire.validation import (
    expect_object,
    expect_str,
    fail,
    optional_bool,
    optional_int,
    optional_str,
    require_model,
)

Json = dict[str, Any]


def request_to_openai(body: Json, *, legacy: bool) -> Json:
    """An Ollama embed (or legacy embeddings) body as an OpenAI embeddings body.

    No text to embed (an empty ``input`` or ``prompt``, or none) gives
    ``input: []``: Ollama's "load the model" call, which needs no provider.
    ``truncate`` is accepted; a provider applies its own input limit.
    """
    expect_object(body, "body")
    result: Json = {"model": require_model(body), "encoding_format": "float"}
    if legacy:
        prompt = optional_str(body.get("prompt"), "prompt")
        result["input"] = [prompt] if prompt else []
        return result
    raw = body.get("input")
    if raw is None or isinstance(raw, str):
        result["input"] = [raw] if raw else []
    elif isinstance(raw, list):
        result["input"] = [expect_str(item, f"input.{i}") for i, item in enumerate(raw)]
    else:
        raise fail("input", "expected a string or a list of strings")
    optional_bool(body.get("truncate"), "truncate")
    # Ollama's 0 means "the model's own size", as leaving it out does.
    dimensions = optional_int(body.get("dimensions"), "dimensions", minimum=0)
    if dimensions:
        result["dimensions"] = dimensions
    return result


def _vectors(answer: Json) -> list[Any]:
    data = sorted(answer.get("data") or [], key=lambda item: item.get("index", 0))
    return [item.get("embedding") or [] for item in data]


def embed_response(answer: Json, *, model: str, total_ns: int) -> Json:
    """An OpenAI embeddings answer as Ollama's ``/api/embed`` answer."""
    return {
        "model": model,
        "embeddings": _vectors(answer),
        "total_duration": total_ns,
        "load_duration": 0,
        "prompt_eval_count": hub.usage_part(answer.get("usage"), "prompt_tokens"),
    }


def embeddings_response(answer: Json) -> Json:
    """An OpenAI embeddings answer as the legacy ``/api/embeddings`` answer."""
    vectors = _vectors(answer)
    return {"embedding": vectors[0] if vectors else []}
