"""Rerank in each provider's shape: predictable order and scores, top-n,
documents returned or not, token counts, errors and faults."""

from __future__ import annotations

import math

import httpx
import pytest

from services.simulator.harness import SimControl

QUERY = "capital of France"
DOCUMENTS = [
    "Bananas are yellow.",  # no query word
    "Berlin is the capital of Germany.",  # capital, of: 2 of 3
    "The capital of France is Paris.",  # all 3
    "Paris is lovely in spring.",  # none: ties with 0, ranked after it
]
ORDER = [2, 1, 0, 3]
# Query words x documents + the documents' words: 3 x 4 + (3 + 6 + 6 + 5).
TOKENS = 32
COHERE = {"Authorization": "Bearer co-key"}


def score(index: int, overlap: float, count: int = len(DOCUMENTS)) -> float:
    return 0.999 * overlap + 0.001 * (1 - index / count)


SCORES = {0: score(0, 0), 1: score(1, 2 / 3), 2: score(2, 1), 3: score(3, 0)}


def test_cohere_v2_order_scores_and_billing(url: str, control: SimControl) -> None:
    reply = httpx.post(
        url + "/v2/rerank",
        json={"model": "rerank-v3.5", "query": QUERY, "documents": DOCUMENTS},
        headers=COHERE,
    )
    assert reply.status_code == 200
    body = reply.json()
    assert [r["index"] for r in body["results"]] == ORDER
    for result in body["results"]:
        assert result["relevance_score"] == pytest.approx(SCORES[result["index"]])
        assert "document" not in result
    assert body["meta"]["api_version"]["version"] == "2"
    assert body["meta"]["billed_units"] == {"search_units": 1}
    recent = control.calls()["recent"][-1]
    assert (recent["key"], recent["model"]) == ("co-key", "rerank-v3.5")


def test_cohere_v2_top_n_cap_and_search_units(url: str) -> None:
    body = {"model": "rerank-v3.5", "query": QUERY, "documents": DOCUMENTS}
    top = httpx.post(url + "/v2/rerank", json={**body, "top_n": 2}).json()
    assert [r["index"] for r in top["results"]] == [2, 1]
    # Three words a document: "Berlin is the" has no query word left.
    capped = httpx.post(url + "/v2/rerank", json={**body, "max_tokens_per_doc": 3})
    assert [r["index"] for r in capped.json()["results"]] == [2, 0, 1, 3]
    many = httpx.post(url + "/v2/rerank", json={**body, "documents": ["a"] * 150})
    assert many.json()["meta"]["billed_units"] == {"search_units": 2}


def test_cohere_v1_objects_and_return_documents(url: str) -> None:
    documents = [{"text": DOCUMENTS[0]}, DOCUMENTS[1], {"text": DOCUMENTS[2], "id": 7}]
    body = {
        "model": "rerank-english-v3.0",
        "query": QUERY,
        "documents": documents,
        "return_documents": True,
        "top_n": 2,
    }
    reply = httpx.post(url + "/v1/rerank", json=body, headers=COHERE).json()
    assert reply["results"] == [
        {
            "index": 2,
            "relevance_score": pytest.approx(score(2, 1, 3)),
            "document": {"text": DOCUMENTS[2], "id": 7},
        },
        {
            "index": 1,
            "relevance_score": pytest.approx(score(1, 2 / 3, 3)),
            "document": {"text": DOCUMENTS[1]},
        },
    ]
    assert reply["meta"]["api_version"]["version"] == "1"


V2 = {"model": "m", "query": QUERY}


@pytest.mark.parametrize(
    ("path", "body", "complaint"),
    [
        ("/v2/rerank", {"query": QUERY, "documents": DOCUMENTS}, "'model'"),
        ("/v2/rerank", {**V2, "documents": []}, "empty"),
        ("/v2/rerank", {**V2, "documents": [{"text": "a"}]}, "strings"),
        ("/v1/rerank", {**V2, "query": "", "documents": ["a"]}, "query"),
        ("/v1/rerank", {**V2, "documents": ["a"], "top_n": 0}, "top_n"),
    ],
)
def test_cohere_errors_are_400_with_a_message(
    url: str, path: str, body: dict[str, object], complaint: str
) -> None:
    reply = httpx.post(url + path, json=body, headers=COHERE)
    assert reply.status_code == 400
    error = reply.json()
    assert set(error) == {"id", "message"}
    assert complaint in error["message"]


def test_jina_returns_documents_unless_asked_not_to(url: str) -> None:
    documents = [{"text": text} for text in DOCUMENTS[:2]] + DOCUMENTS[2:]
    body = {"query": QUERY, "documents": documents, "top_n": 3}
    reply = httpx.post(url + "/jina/v1/rerank", json=body).json()
    assert reply["model"] == "jina-reranker-v2-base-multilingual"
    assert reply["usage"] == {"total_tokens": TOKENS}
    assert [(r["index"], r["document"]["text"]) for r in reply["results"]] == [
        (i, DOCUMENTS[i]) for i in ORDER[:3]
    ]
    bare = httpx.post(
        url + "/jina/v1/rerank",
        json={**body, "model": "jina-reranker-m0", "return_documents": False},
    ).json()
    assert bare["model"] == "jina-reranker-m0"
    assert all(set(r) == {"index", "relevance_score"} for r in bare["results"])


def test_voyage_top_k_and_string_documents(url: str) -> None:
    body = {"query": QUERY, "documents": DOCUMENTS, "model": "rerank-2", "top_k": 2}
    reply = httpx.post(url + "/voyage/v1/rerank", json=body).json()
    assert (reply["object"], reply["model"]) == ("list", "rerank-2")
    assert reply["usage"] == {"total_tokens": TOKENS}
    assert [(d["index"], "document" in d) for d in reply["data"]] == [
        (2, False),
        (1, False),
    ]
    shown = httpx.post(
        url + "/voyage/v1/rerank",
        json={**body, "return_documents": True, "truncation": False},
    ).json()
    assert shown["data"][0]["document"] == DOCUMENTS[2]
    refused = httpx.post(
        url + "/voyage/v1/rerank", json={"query": QUERY, "documents": DOCUMENTS}
    )
    assert refused.status_code == 400
    assert "model" in refused.json()["detail"]


def test_tei_ranks_every_text_with_raw_scores_on_request(url: str) -> None:
    body = {"query": QUERY, "texts": DOCUMENTS}
    plain = httpx.post(url + "/tei/rerank", json=body).json()
    assert [r["index"] for r in plain] == ORDER
    assert all(set(r) == {"index", "score"} for r in plain)
    assert plain[0]["score"] == pytest.approx(SCORES[2])
    raw = httpx.post(
        url + "/tei/rerank", json={**body, "raw_scores": True, "return_text": True}
    ).json()
    assert [r["index"] for r in raw] == ORDER
    assert raw[0]["text"] == DOCUMENTS[2]
    probability = SCORES[1]
    assert raw[1]["score"] == pytest.approx(math.log(probability / (1 - probability)))


def test_tei_refusals(url: str) -> None:
    empty = httpx.post(url + "/tei/rerank", json={"query": QUERY, "texts": []})
    assert empty.status_code == 400
    assert empty.json() == {"error": "`texts` cannot be empty", "error_type": "empty"}
    too_many = httpx.post(
        url + "/tei/rerank", json={"query": QUERY, "texts": ["a"] * 33}
    )
    assert too_many.status_code == 413
    assert too_many.json()["error_type"] == "validation"


def test_infinity_shape_and_documents(url: str) -> None:
    body = {"query": QUERY, "documents": DOCUMENTS, "model": "mxbai-rerank", "top_n": 2}
    reply = httpx.post(url + "/infinity/rerank", json=body).json()
    assert reply["object"] == "rerank"
    assert reply["id"].startswith("infinity-")
    assert isinstance(reply["created"], int)
    assert reply["model"] == "mxbai-rerank"
    assert reply["usage"] == {"prompt_tokens": TOKENS, "total_tokens": TOKENS}
    assert [(r["index"], r["document"]) for r in reply["results"]] == [
        (2, None),
        (1, None),
    ]
    shown = httpx.post(
        url + "/infinity/rerank", json={**body, "return_documents": True}
    ).json()
    assert shown["results"][0]["document"] == DOCUMENTS[2]
    refused = httpx.post(
        url + "/infinity/rerank", json={"query": QUERY, "documents": []}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == 422


@pytest.mark.parametrize(
    ("path", "body", "shape"),
    [
        ("/v2/rerank", {"model": "m"}, {"id", "message"}),
        ("/jina/v1/rerank", {}, {"detail"}),
        ("/voyage/v1/rerank", {}, {"detail"}),
        ("/tei/rerank", {}, {"error", "error_type"}),
        ("/infinity/rerank", {}, {"error"}),
    ],
)
def test_fault_rules_answer_in_each_providers_shape(
    url: str, control: SimControl, path: str, body: dict[str, object], shape: set[str]
) -> None:
    control.add_faults(
        {"match": {"path": path}, "status": 503, "retry_after": 1, "times": 1}
    )
    reply = httpx.post(url + path, json=body)
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"
    assert set(reply.json()) == shape
    assert control.calls()["by_path"][path] == 1
