"""Gemini's other methods: countTokens, embedContent / batchEmbedContents, and
the models list pages."""

from __future__ import annotations

from typing import Any

import pytest
from google.genai import types as gtypes

from omniroute.errors import BadRequest
from omniroute.wire.gemini import count, embeddings, models

TEXT = {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}


# --- countTokens --------------------------------------------------------------


def test_count_reads_contents() -> None:
    hub = count.count_request_to_hub(TEXT, model="m")
    assert hub["messages"] == [{"role": "user", "content": "hello"}]
    assert hub["model"] == "m"


def test_count_prefers_the_generate_content_request() -> None:
    inner = {
        "model": "models/other",
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "contents": [{"parts": [{"text": "inner"}]}],
        "tools": [{"functionDeclarations": [{"name": "lookup"}]}],
    }
    hub = count.count_request_to_hub(
        {**TEXT, "generate_content_request": inner}, model="m"
    )
    assert hub["model"] == "m"  # the URL's model, not the inner one
    assert [m["content"] for m in hub["messages"]] == ["Be brief.", "inner"]
    assert hub["tools"][0]["function"]["name"] == "lookup"


@pytest.mark.parametrize("body", [{}, {"contents": []}])
def test_count_of_nothing_is_an_empty_prompt(body: dict[str, Any]) -> None:
    assert count.count_request_to_hub(body, model="m")["messages"] == []


def test_count_still_checks_the_contents() -> None:
    with pytest.raises(BadRequest, match=r"^contents: expected an array"):
        count.count_request_to_hub({"contents": "hello"}, model="m")


# --- embeddings ---------------------------------------------------------------


def test_embed_content_becomes_one_openai_input() -> None:
    body = {
        "content": {"parts": [{"text": "a"}, {"inlineData": {}}, {"text": "b"}]},
        "taskType": "RETRIEVAL_QUERY",
        "output_dimensionality": 8,
    }
    assert embeddings.embed_request(body, model="p/e") == {
        "model": "p/e",
        "input": "a\nb",
        "dimensions": 8,
    }


def test_batch_as_google_genai_sends_it() -> None:
    body = {
        "requests": [
            {
                "content": {"parts": [{"text": text}], "role": "user"},
                "model": "models/p/e",
                "taskType": "CLUSTERING",
            }
            for text in ("one", "two")
        ]
    }
    assert embeddings.batch_embed_request(body, model="p/e") == {
        "model": "p/e",
        "input": ["one", "two"],
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, r"^content: is required"),
        ({"content": {"parts": []}}, r"^content\.parts: at least one text part"),
        ({"content": {"parts": [{"text": 1}]}}, r"^content\.parts\.0\.text"),
        (
            {"content": {"parts": [{"text": "x"}]}, "taskType": "SORTING"},
            r"^taskType: expected one of TASK_TYPE_UNSPECIFIED",
        ),
        (
            {"content": {"parts": [{"text": "x"}]}, "outputDimensionality": 0},
            r"^outputDimensionality: must be at least 1",
        ),
    ],
)
def test_embed_content_errors(body: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        embeddings.embed_request(body, model="e")


@pytest.mark.parametrize(
    ("requests", "message"),
    [
        (None, r"^requests: is required"),
        ([], r"^requests: at least one item"),
        (
            [{"model": "models/other", "content": {"parts": [{"text": "x"}]}}],
            r"^requests\.0\.model: must match the model in the URL",
        ),
        (
            [
                {"content": {"parts": [{"text": "x"}]}, "outputDimensionality": 4},
                {"content": {"parts": [{"text": "y"}]}},
            ],
            r"^requests: every request must ask for the same outputDimensionality",
        ),
        ([{"content": {}}], r"^requests\.0\.content\.parts: expected an array"),
    ],
)
def test_batch_errors(requests: Any, message: str) -> None:
    body = {} if requests is None else {"requests": requests}
    with pytest.raises(BadRequest, match=message):
        embeddings.batch_embed_request(body, model="e")


def test_task_types_as_names_or_numbers() -> None:
    for task in ("semantic_similarity", "CODE_RETRIEVAL_QUERY", 0, 8):
        body = {"content": {"parts": [{"text": "x"}]}, "taskType": task}
        embeddings.embed_request(body, model="e")
    with pytest.raises(BadRequest):
        embeddings.embed_request(
            {"content": {"parts": [{"text": "x"}]}, "taskType": 9}, model="e"
        )


OPENAI_ANSWER = {
    "object": "list",
    "data": [
        {"object": "embedding", "index": 1, "embedding": [0.3, 0.4]},
        {"object": "embedding", "index": 0, "embedding": [0.1, 0.2]},
    ],
    "usage": {"prompt_tokens": 2, "total_tokens": 2},
}


def test_answers_in_gemini_shapes_that_google_genai_reads() -> None:
    single = embeddings.embed_response(OPENAI_ANSWER)
    assert single == {"embedding": {"values": [0.1, 0.2]}}
    batch = embeddings.batch_embed_response(OPENAI_ANSWER)
    assert batch == {"embeddings": [{"values": [0.1, 0.2]}, {"values": [0.3, 0.4]}]}
    parsed = gtypes.EmbedContentResponse.model_validate(batch)
    assert [e.values for e in parsed.embeddings or ()] == [[0.1, 0.2], [0.3, 0.4]]


# --- models -------------------------------------------------------------------


def test_model_entry_by_type() -> None:
    chat = models.model_entry("demo/gpt-4o-mini", "chat", "demo")
    assert chat["name"] == "models/demo/gpt-4o-mini"
    assert chat["supportedGenerationMethods"] == [
        "generateContent",
        "streamGenerateContent",
        "countTokens",
    ]
    embed = models.model_entry("demo/e", "embedding", "demo")
    assert embed["supportedGenerationMethods"][:2] == [
        "embedContent",
        "batchEmbedContents",
    ]
    assert models.methods("combo") == models.methods("chat")
    assert models.methods("image") == ()


ENTRIES = [{"name": f"models/m{i}"} for i in range(5)]


def _names(page: dict[str, Any]) -> list[str]:
    return [m["name"] for m in page["models"]]


def test_pages_follow_their_tokens_to_the_end() -> None:
    names: list[str] = []
    token: str | None = None
    while True:
        page = models.model_page(ENTRIES, "2", token)
        names += _names(page)
        token = page.get("nextPageToken")
        if token is None:
            break
    assert names == [e["name"] for e in ENTRIES]


@pytest.mark.parametrize("size", [None, "", "0", "5", "5000"])
def test_one_page_holds_everything_by_default(size: str | None) -> None:
    page = models.model_page(ENTRIES, size, None)
    assert len(page["models"]) == 5 and "nextPageToken" not in page


def test_the_default_page_is_fifty() -> None:
    many = [{"name": f"models/m{i}"} for i in range(120)]
    first = models.model_page(many, None, None)
    assert len(first["models"]) == models.DEFAULT_PAGE_SIZE
    assert first["nextPageToken"] == "50"
    assert models.model_page([], None, None) == {"models": []}


@pytest.mark.parametrize(
    ("size", "token", "message"),
    [
        ("x", None, r"^pageSize: expected an integer"),
        ("-1", None, r"^pageSize: must not be negative"),
        (None, "abc", r"^pageToken: not a token"),
        (None, "6", r"^pageToken: not a token"),
    ],
)
def test_page_errors(size: str | None, token: str | None, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        models.model_page(ENTRIES, size, token)
