"""Reranking, deterministic and predictable, shared by every rerank API the
simulator speaks (their request and answer shapes are in
``rerank_formats.py``).

* Words: runs of letters and digits (``\\w+``), lower-cased.
* Relevance of document ``i`` of ``n``: ``0.999 * overlap + 0.001 * (1 -
  i / n)``, where ``overlap`` is the fraction of the query's distinct words
  found in the document. Overlap decides the order; among equal overlaps
  the earlier document wins. Scores stay in [0, 1].
* Tokens: words. A request costs ``query words x documents + the
  documents' words`` (Voyage's definition of rerank tokens), the one figure
  every ``usage`` reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from services.simulator.errors import ProviderError
from services.simulator.parsing import positive_int

WORD = re.compile(r"\w+")
OVERLAP_WEIGHT = 0.999


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class Ranked:
    index: int
    score: float


def relevance(query: str, document: str, index: int, count: int) -> float:
    """The score of document ``index`` of ``count`` for ``query``."""
    wanted = set(words(query))
    overlap = len(wanted & set(words(document))) / len(wanted) if wanted else 0.0
    return OVERLAP_WEIGHT * overlap + (1 - OVERLAP_WEIGHT) * (1 - index / count)


def rank(query: str, documents: list[str], top: int | None) -> list[Ranked]:
    """The documents' indexes by relevance, best first, cut to ``top``."""
    count = len(documents)
    ranked = [
        Ranked(index, relevance(query, text, index, count))
        for index, text in enumerate(documents)
    ]
    ranked.sort(key=lambda item: item.score, reverse=True)
    return ranked[:top] if top is not None else ranked


def total_tokens(query: str, documents: list[str]) -> int:
    query_words = len(words(query))
    return sum(query_words + len(words(text)) for text in documents)


def truncated(text: str, max_words: int | None) -> str:
    """The text up to its ``max_words``-th word (a per-document token cap)."""
    if max_words is None:
        return text
    matches = list(WORD.finditer(text))
    return text if len(matches) <= max_words else text[: matches[max_words - 1].end()]


def query_of(body: dict[str, Any]) -> str:
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ProviderError(400, "invalid request: query must be a non-empty string")
    return query


def document_list(body: dict[str, Any], name: str, limit: int) -> list[Any]:
    """``body[name]`` as a non-empty list of at most ``limit`` items."""
    documents = body.get(name)
    if not isinstance(documents, list):
        raise ProviderError(400, f"invalid request: {name} must be a list")
    if not documents:
        raise ProviderError(400, f"invalid request: {name} must not be empty")
    if len(documents) > limit:
        raise ProviderError(
            400, f"invalid request: at most {limit} {name} can be ranked at once"
        )
    return documents


def string_list(body: dict[str, Any], name: str, limit: int) -> list[str]:
    documents = document_list(body, name, limit)
    if not all(isinstance(item, str) for item in documents):
        raise ProviderError(400, f"invalid request: {name} must be strings")
    return documents


def texts_or_objects(body: dict[str, Any], name: str, limit: int) -> list[str]:
    """Documents given as strings or ``{"text": ...}`` objects, as text."""
    texts = []
    for index, item in enumerate(document_list(body, name, limit)):
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            item = item["text"]
        if not isinstance(item, str):
            raise ProviderError(
                400, f"invalid request: {name}[{index}] must be a string or {{text}}"
            )
        texts.append(item)
    return texts


def optional_count(body: dict[str, Any], name: str) -> int | None:
    """A positive integer option such as ``top_n`` (absent: None)."""
    if body.get(name) is None:
        return None
    count = positive_int(body[name])
    if count is None:
        raise ProviderError(400, f"invalid request: {name} must be a positive integer")
    return count


def flag(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ProviderError(400, f"invalid request: {name} must be a boolean")
    return value
