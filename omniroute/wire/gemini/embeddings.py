"""Gemini ``embedContent`` / ``batchEmbedContents`` as OpenAI embeddings.

The gateway's embeddings operation speaks OpenAI's shape end to end, so a
Gemini request becomes one ``/v1/embeddings`` body (every text of a batch
in one ``input`` list) and the answer is turned back into Gemini's
``ContentEmbedding`` values. ``taskType`` and ``title`` have no OpenAI
counterpart: they are validated as Gemini does, then not sent on.
"""

from __future__ import annotations

from typing import Any

from omniroute.wire.gemini.request import field
from omniroute.wire.validation import (
    expect_list,
    expect_object,
    fail,
    optional_int,
    optional_str,
)

Json = dict[str, Any]

# google.ai.generativelanguage TaskType; proto JSON also accepts the numbers.
TASK_TYPES = (
    "TASK_TYPE_UNSPECIFIED",
    "RETRIEVAL_QUERY",
    "RETRIEVAL_DOCUMENT",
    "SEMANTIC_SIMILARITY",
    "CLASSIFICATION",
    "CLUSTERING",
    "QUESTION_ANSWERING",
    "FACT_VERIFICATION",
    "CODE_RETRIEVAL_QUERY",
)


def embed_request(body: Json, *, model: str) -> Json:
    """An ``embedContent`` body as an OpenAI embeddings body for ``model``."""
    expect_object(body, "body")
    text, dimensions = _one(body, "")
    return _openai(model, text, dimensions)


def batch_embed_request(body: Json, *, model: str) -> Json:
    """A ``batchEmbedContents`` body as one OpenAI embeddings body."""
    expect_object(body, "body")
    requests = field(body, "requests")
    if requests is None:
        raise fail("requests", "is required")
    expect_list(requests, "requests", non_empty=True)
    texts: list[str] = []
    sizes: set[int | None] = set()
    for i, request in enumerate(requests):
        path = f"requests.{i}"
        named = field(expect_object(request, path), "model")
        if named is not None and str(named).removeprefix("models/") != model:
            # Gemini's rule: a batch embeds with one model, the URL's.
            raise fail(f"{path}.model", f"must match the model in the URL, '{model}'")
        text, dimensions = _one(request, f"{path}.")
        texts.append(text)
        sizes.add(dimensions)
    if len(sizes) > 1:
        # One upstream call carries one ``dimensions`` for every input.
        raise fail(
            "requests", "every request must ask for the same outputDimensionality"
        )
    return _openai(model, texts, sizes.pop())


def embed_response(answer: Json) -> Json:
    """An OpenAI embeddings answer as an ``EmbedContentResponse``."""
    return {"embedding": _embeddings(answer)[0]}


def batch_embed_response(answer: Json) -> Json:
    """An OpenAI embeddings answer as a ``BatchEmbedContentsResponse``."""
    return {"embeddings": _embeddings(answer)}


def _one(request: Json, path: str) -> tuple[str, int | None]:
    """The text and the dimensionality of one ``EmbedContentRequest``."""
    content = field(request, "content")
    if content is None:
        raise fail(f"{path}content", "is required")
    parts = expect_list(
        field(expect_object(content, f"{path}content"), "parts"),
        f"{path}content.parts",
    )
    # Only text is embedded (Gemini counts parts.text alone).
    texts = [p["text"] for p in parts if isinstance(p, dict) and "text" in p]
    for j, text in enumerate(texts):
        optional_str(text, f"{path}content.parts.{j}.text")
    if not texts:
        raise fail(f"{path}content.parts", "at least one text part is required")
    _task_type(field(request, "taskType"), f"{path}taskType")
    optional_str(field(request, "title"), f"{path}title")
    dimensions = optional_int(
        field(request, "outputDimensionality"),
        f"{path}outputDimensionality",
        minimum=1,
    )
    return "\n".join(texts), dimensions


def _task_type(value: Any, path: str) -> None:
    if value is None:
        return
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < len(TASK_TYPES):
            return
    elif isinstance(value, str) and value.upper() in TASK_TYPES:
        return
    raise fail(path, "expected one of " + ", ".join(TASK_TYPES))


def _openai(model: str, text: str | list[str], dimensions: int | None) -> Json:
    body: Json = {"model": model, "input": text}
    if dimensions is not None:
        body["dimensions"] = dimensions
    return body


def _embeddings(answer: Json) -> list[Json]:
    data = sorted(answer.get("data") or [], key=lambda item: item.get("index", 0))
    return [{"values": item.get("embedding") or []} for item in data]
