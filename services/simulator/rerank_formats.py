"""The request and answer shapes of each rerank API: Cohere (v1 and v2),
Jina, Voyage, Hugging Face TEI and Infinity. Scores, order and token counts
come from ``rerank.py``; each function takes the parsed JSON body and
returns the answer's JSON."""

from __future__ import annotations

import math
import uuid
from typing import Any

from services.simulator import rerank
from services.simulator.errors import ProviderError
from services.simulator.frames import now
from services.simulator.parsing import model_of

COHERE_MAX_DOCUMENTS = 10_000
COHERE_DOCUMENTS_PER_SEARCH_UNIT = 100
JINA_DEFAULT_MODEL = "jina-reranker-v2-base-multilingual"
JINA_MAX_DOCUMENTS = 2048
VOYAGE_MAX_DOCUMENTS = 1000
TEI_MAX_BATCH = 32  # TEI's --max-client-batch-size default
INFINITY_DEFAULT_MODEL = "default/not-specified"
INFINITY_MAX_DOCUMENTS = 2048


def _cohere_meta(version: str, documents: int) -> dict[str, Any]:
    units = math.ceil(documents / COHERE_DOCUMENTS_PER_SEARCH_UNIT)
    return {
        "api_version": {"version": version, "is_experimental": False},
        "billed_units": {"search_units": units},
    }


def cohere_v2(body: dict[str, Any]) -> dict[str, Any]:
    """Cohere ``POST /v2/rerank``: documents are strings, cut to
    ``max_tokens_per_doc`` words before they are scored."""
    model_of(body)
    query = rerank.query_of(body)
    documents = rerank.string_list(body, "documents", COHERE_MAX_DOCUMENTS)
    cap = rerank.optional_count(body, "max_tokens_per_doc")
    texts = [rerank.truncated(text, cap) for text in documents]
    ranked = rerank.rank(query, texts, rerank.optional_count(body, "top_n"))
    return {
        "id": str(uuid.uuid4()),
        "results": [
            {"index": item.index, "relevance_score": item.score} for item in ranked
        ],
        "meta": _cohere_meta("2", len(documents)),
    }


def _cohere_v1_text(document: Any, fields: list[str], index: int) -> str:
    """A v1 document's text: a string, or the ``rank_fields`` (default
    ``text``) of an object, joined by new lines."""
    if isinstance(document, str):
        return document
    if isinstance(document, dict):
        values = [str(document[field]) for field in fields if field in document]
        if values:
            return "\n".join(values)
    raise ProviderError(
        400, f"invalid request: document at index {index} has none of {fields}"
    )


def cohere_v1(body: dict[str, Any]) -> dict[str, Any]:
    """Cohere ``POST /v1/rerank``: documents are strings or objects, and
    ``return_documents`` echoes each (a string as ``{"text": ...}``)."""
    model_of(body)
    query = rerank.query_of(body)
    documents = rerank.document_list(body, "documents", COHERE_MAX_DOCUMENTS)
    fields = body.get("rank_fields") or ["text"]
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ProviderError(400, "invalid request: rank_fields must be strings")
    texts = [_cohere_v1_text(doc, fields, i) for i, doc in enumerate(documents)]
    ranked = rerank.rank(query, texts, rerank.optional_count(body, "top_n"))
    echo = rerank.flag(body, "return_documents", False)
    results = []
    for item in ranked:
        result: dict[str, Any] = {"index": item.index, "relevance_score": item.score}
        if echo:
            document = documents[item.index]
            result["document"] = (
                {"text": document} if isinstance(document, str) else document
            )
        results.append(result)
    return {
        "id": str(uuid.uuid4()),
        "results": results,
        "meta": _cohere_meta("1", len(documents)),
    }


def jina(body: dict[str, Any]) -> dict[str, Any]:
    """Jina ``POST /v1/rerank``: documents as strings or ``{"text"}``;
    ``return_documents`` is on unless turned off."""
    model = body.get("model") or JINA_DEFAULT_MODEL
    query = rerank.query_of(body)
    texts = rerank.texts_or_objects(body, "documents", JINA_MAX_DOCUMENTS)
    ranked = rerank.rank(query, texts, rerank.optional_count(body, "top_n"))
    echo = rerank.flag(body, "return_documents", True)
    results = []
    for item in ranked:
        result: dict[str, Any] = {"index": item.index, "relevance_score": item.score}
        if echo:
            result["document"] = {"text": texts[item.index]}
        results.append(result)
    return {
        "model": model,
        "usage": {"total_tokens": rerank.total_tokens(query, texts)},
        "results": results,
    }


def voyage(body: dict[str, Any]) -> dict[str, Any]:
    """Voyage ``POST /v1/rerank``: ``top_k``; ``return_documents`` (off by
    default) adds each document, a plain string."""
    model = model_of(body)
    query = rerank.query_of(body)
    texts = rerank.string_list(body, "documents", VOYAGE_MAX_DOCUMENTS)
    rerank.flag(body, "truncation", True)
    ranked = rerank.rank(query, texts, rerank.optional_count(body, "top_k"))
    echo = rerank.flag(body, "return_documents", False)
    data = []
    for item in ranked:
        entry: dict[str, Any] = {"relevance_score": item.score, "index": item.index}
        if echo:
            entry["document"] = texts[item.index]
        data.append(entry)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"total_tokens": rerank.total_tokens(query, texts)},
    }


def _logit(probability: float) -> float:
    clamped = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(clamped / (1 - clamped))


def _tei_texts(body: dict[str, Any]) -> list[str]:
    query, texts = body.get("query"), body.get("texts")
    if not isinstance(query, str):
        raise ProviderError(422, "Failed to deserialize the JSON body: `query`")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ProviderError(422, "Failed to deserialize the JSON body: `texts`")
    if not texts:
        raise ProviderError(400, "`texts` cannot be empty")
    if len(texts) > TEI_MAX_BATCH:
        raise ProviderError(
            413,
            f"batch size {len(texts)} > maximum allowed batch size {TEI_MAX_BATCH}",
        )
    return texts


def tei(body: dict[str, Any]) -> list[dict[str, Any]]:
    """TEI ``POST /rerank``: every text ranked (no top-n), best first;
    ``raw_scores`` gives the score's logit, as the model's raw output."""
    texts = _tei_texts(body)
    raw = rerank.flag(body, "raw_scores", False)
    with_text = rerank.flag(body, "return_text", False)
    ranks = []
    for item in rerank.rank(body["query"], texts, None):
        entry: dict[str, Any] = {"index": item.index}
        if with_text:
            entry["text"] = texts[item.index]
        entry["score"] = _logit(item.score) if raw else item.score
        ranks.append(entry)
    return ranks


def infinity(body: dict[str, Any]) -> dict[str, Any]:
    """Infinity ``POST /rerank``: Cohere-like; ``document`` is the string
    when ``return_documents`` is on, else null; ``raw_scores`` gives logits
    (as TEI's). Its request validation is FastAPI's, so refusals are 422."""
    try:
        query = rerank.query_of(body)
        texts = rerank.string_list(body, "documents", INFINITY_MAX_DOCUMENTS)
        top = rerank.optional_count(body, "top_n")
        echo = rerank.flag(body, "return_documents", False)
        raw = rerank.flag(body, "raw_scores", False)
    except ProviderError as error:
        raise ProviderError(422, error.message) from None
    tokens = rerank.total_tokens(query, texts)
    return {
        "object": "rerank",
        "id": f"infinity-{uuid.uuid4()}",
        "created": now(),
        "model": body.get("model") or INFINITY_DEFAULT_MODEL,
        "results": [
            {
                "relevance_score": _logit(item.score) if raw else item.score,
                "index": item.index,
                "document": texts[item.index] if echo else None,
            }
            for item in rerank.rank(query, texts, top)
        ],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
