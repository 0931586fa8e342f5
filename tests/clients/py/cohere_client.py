"""Cohere's Python SDK (v2 and v1 clients) against the gateway's rerank.
Usage: cohere_client.py <scenario>."""

from __future__ import annotations

import os
from typing import Any

import cohere
from common import API_KEY, BASE_URL, run

MODEL = "rerank-v3.5"
QUERY = "What is the capital of the United States?"
DOCUMENTS = [
    "Carson City is the capital city of the American state of Nevada.",
    "Washington, D.C. is the capital of the United States.",
    "Capital punishment has existed in the United States since before it was "
    "a country.",
]


def _base_url() -> str:
    # The simulator's own address when the test asks it directly.
    return os.environ.get("COHERE_BASE_URL") or BASE_URL


def rerank_v2() -> dict[str, Any]:
    client = cohere.ClientV2(api_key=API_KEY, base_url=_base_url())
    answer = client.rerank(model=MODEL, query=QUERY, documents=DOCUMENTS, top_n=2)
    return {
        "results": [[r.index, r.relevance_score] for r in answer.results],
        "search_units": answer.meta.billed_units.search_units if answer.meta else None,
    }


def rerank_v1() -> dict[str, Any]:
    client = cohere.Client(api_key=API_KEY, base_url=_base_url())
    answer = client.rerank(
        model=MODEL, query=QUERY, documents=DOCUMENTS, top_n=2, return_documents=True
    )
    return {
        "results": [
            [r.index, r.relevance_score, r.document.text if r.document else None]
            for r in answer.results
        ]
    }


if __name__ == "__main__":
    run({"rerank_v2": rerank_v2, "rerank_v1": rerank_v1})
