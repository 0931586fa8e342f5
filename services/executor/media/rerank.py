"""Rerank: Cohere, Jina, Voyage, TEI, Infinity (and any Cohere-compatible
``/rerank``), and the built-in ``local`` reranker.

The client asks in Cohere's shape (``query``, ``documents``, ``top_n``,
``return_documents``); each provider is asked in its own and answered back
in one shape, Cohere's with Jina's usage beside it::

    {"id", "model", "results": [{"index", "relevance_score", "document"?}],
     "meta": {"billed_units": {"search_units"}}, "usage": {"total_tokens"}}

Search units (what Cohere bills) are the provider's own count where it
gives one, else one per query per hundred documents, Cohere's rule.
``local`` scores with the bundled MiniLM embeddings (cosine similarity),
offline.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from omniroute.common.v1 import common_pb2
from services.executor.adapters.base import auth_headers
from services.executor.classify import FailureKind, UpstreamFailure
from services.executor.config_view import AccountView, ProviderView
from services.executor.media.embeddings import LocalEmbedder
from services.executor.media.http import request_json
from services.executor.upstream import UpstreamSession

# Cohere bills one search unit per query and up to this many documents.
DOCUMENTS_PER_SEARCH_UNIT = 100


@dataclass(frozen=True, slots=True)
class RerankQuery:
    query: str
    documents: list[str]
    top_n: int
    return_documents: bool

    @classmethod
    def of(cls, body: dict[str, Any]) -> RerankQuery:
        """The client's request (the edge has validated its shape)."""
        documents = [_text(d) for d in body.get("documents") or ()]
        top_n = body.get("top_n")
        return cls(
            str(body.get("query") or ""),
            documents,
            top_n if isinstance(top_n, int) and top_n > 0 else len(documents),
            bool(body.get("return_documents", False)),
        )

    @property
    def search_units(self) -> int:
        return max(1, math.ceil(len(self.documents) / DOCUMENTS_PER_SEARCH_UNIT))


@dataclass(frozen=True, slots=True)
class Ranked:
    body: bytes
    usage: common_pb2.Usage
    search_units: float


def _text(document: object) -> str:
    if isinstance(document, dict):
        return str(document.get("text") or "")
    return str(document)


class Reranker:
    def __init__(self, session: UpstreamSession, local: LocalEmbedder) -> None:
        self._session = session
        self._local = local

    async def rerank(
        self,
        provider: ProviderView,
        account: AccountView,
        model: str,
        body: dict[str, Any],
    ) -> Ranked:
        ask = RerankQuery.of(body)
        if provider.preset.kind == "local":
            scores = await self._local_scores(ask)
            return _answer(ask, model, scores, tokens=0, units=0.0)
        request, url = _upstream_request(provider, model, ask)
        headers = {
            "Content-Type": "application/json",
            **provider.headers,
            **auth_headers(provider.preset.auth, account.credential),
        }
        answer, _ = await request_json(
            self._session, "POST", url, headers, data=orjson.dumps(request)
        )
        return _read_answer(provider.preset.kind, ask, model, answer)

    async def _local_scores(self, ask: RerankQuery) -> list[tuple[int, float]]:
        encoder = await self._local.encoder()
        vectors = await asyncio.to_thread(encoder.encode, [ask.query, *ask.documents])
        # MiniLM's vectors are unit length: the dot product is the cosine.
        similarity = np.asarray(vectors[1:]) @ np.asarray(vectors[0])
        return [(index, float(score)) for index, score in enumerate(similarity)]


def _upstream_request(
    provider: ProviderView, model: str, ask: RerankQuery
) -> tuple[dict[str, Any], str]:
    """The body and URL ``provider`` takes a rerank in."""
    kind, base = provider.preset.kind, provider.base_url
    if kind == "tei":
        return {"query": ask.query, "texts": ask.documents, "raw_scores": False}, (
            base + "/rerank"
        )
    if kind == "voyage":
        return {
            "query": ask.query,
            "documents": ask.documents,
            "model": model,
            "top_k": ask.top_n,
        }, base + "/rerank"
    body = {
        "model": model,
        "query": ask.query,
        "documents": ask.documents,
        "top_n": ask.top_n,
    }
    if kind == "cohere":
        return body, base + "/v2/rerank"
    # Jina, Infinity, vLLM, LiteLLM and others: Cohere's body at /rerank.
    return {**body, "return_documents": False}, base + "/rerank"


def _read_answer(kind: str, ask: RerankQuery, model: str, answer: Any) -> Ranked:
    """The provider's answer in the gateway's shape; UpstreamFailure when it
    is not a rerank answer."""
    try:
        scores = _scores(kind, answer)
    except (AttributeError, KeyError, TypeError, ValueError):
        raise UpstreamFailure(
            FailureKind.SERVER, 200, "the provider's answer is not a rerank answer"
        ) from None
    if any(not 0 <= index < len(ask.documents) for index, _ in scores):
        raise UpstreamFailure(
            FailureKind.SERVER, 200, "the provider ranked a document it was not sent"
        )
    usage: dict[str, Any] = {}
    billed: dict[str, Any] = {}
    if isinstance(answer, dict):
        usage = answer.get("usage") or {}
        billed = (answer.get("meta") or {}).get("billed_units") or {}
    tokens = int(usage.get("total_tokens") or usage.get("prompt_tokens") or 0)
    units = billed.get("search_units") or (ask.search_units if kind == "cohere" else 0)
    return _answer(ask, model, scores, tokens=tokens, units=float(units))


def _scores(kind: str, answer: Any) -> list[tuple[int, float]]:
    if kind == "tei":  # a bare list of {index, score}
        return [(int(r["index"]), float(r["score"])) for r in answer]
    rows = answer["data"] if kind == "voyage" else answer["results"]
    return [(int(r["index"]), float(r["relevance_score"])) for r in rows]


def _answer(
    ask: RerankQuery,
    model: str,
    scores: list[tuple[int, float]],
    *,
    tokens: int,
    units: float,
) -> Ranked:
    ranked = sorted(scores, key=lambda pair: (-pair[1], pair[0]))[: ask.top_n]
    results: list[dict[str, Any]] = []
    for index, score in ranked:
        result: dict[str, Any] = {"index": index, "relevance_score": score}
        if ask.return_documents:
            result["document"] = {"text": ask.documents[index]}
        results.append(result)
    body = {
        "id": str(uuid.uuid4()),
        "model": model,
        "results": results,
        "meta": {
            "api_version": {"version": "2"},
            "billed_units": {"search_units": units},
        },
        "usage": {"total_tokens": tokens},
    }
    usage = common_pb2.Usage(prompt_tokens=tokens, total_tokens=tokens)
    return Ranked(orjson.dumps(body), usage, units)
