"""Gemini clients with google-genai's defaults (API ``v1``) and with ``v1beta``.

The real google-genai client talks to the running stack: generation (plain,
streamed, with a function call), token counts, embeddings and the model
list/get, under both API versions. The ``demo`` provider is OpenAI-format
(the hub path); ``demo-gemini`` is the simulator's Gemini API, so the same
format passes through untouched. Raw HTTP checks the rest: OpenAI clients
still get OpenAI's ``/v1/models``, and every Gemini path errs in Gemini's
shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from google import genai
from google.genai import errors as gerrors
from google.genai import types as gtypes

from omniroute.stack import Stack
from omniroute.wire.gemini.count import count_request_to_hub
from services.edge.token_count import estimate_tokens
from services.simulator.media import embedding_vector
from tests.conftest import start_stack

pytestmark = pytest.mark.e2e

CHAT = "demo/gpt-4o-mini"
# The demo's Gemini-format provider (the simulator's own Gemini API).
GEMINI = "demo-gemini/gemini-2.5-flash"
EMBED = "demo/text-embedding-3-small"
# None: google-genai's default API version, v1.
VERSIONS = pytest.mark.parametrize("version", [None, "v1beta"], ids=["v1", "v1beta"])
LOOKUP = gtypes.FunctionDeclaration(
    name="lookup",
    description="Looks a query up",
    parameters_json_schema={
        "type": "object",
        "properties": {"query": {"type": "string"}},
        "required": ["query"],
    },
)


@pytest.fixture(scope="module")
def gemini_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("gemini"))
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def client_for(gemini_stack: Stack) -> Iterator[Any]:
    """A factory of google-genai clients for one API version (None: default)."""
    clients: list[genai.Client] = []

    def make(version: str | None) -> genai.Client:
        options = gtypes.HttpOptions(base_url=gemini_stack.edge_url)
        if version is not None:
            options.api_version = version
        client = genai.Client(api_key=gemini_stack.api_key, http_options=options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _bearer(stack: Stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.api_key}"}


def _text(response: gtypes.GenerateContentResponse) -> str:
    content = response.candidates[0].content if response.candidates else None
    parts = content.parts if content is not None else None
    return "".join(p.text or "" for p in parts or () if not p.thought)


# --- generation ---------------------------------------------------------------


@VERSIONS
@pytest.mark.parametrize("model", [CHAT, GEMINI, "models/" + CHAT, "gpt-4o-mini"])
def test_generate_content(client_for: Any, version: str | None, model: str) -> None:
    response = client_for(version).models.generate_content(
        model=model, contents="hello gemini"
    )
    assert _text(response) == "Echo: hello gemini"
    assert response.candidates[0].finish_reason == gtypes.FinishReason.STOP
    assert response.usage_metadata.prompt_token_count > 0
    if model == GEMINI:
        # Passed through: the simulator's own body, which names its model bare.
        assert response.model_version == "gemini-2.5-flash"
    else:
        assert response.model_version == model.removeprefix("models/")


@VERSIONS
@pytest.mark.parametrize("model", [CHAT, GEMINI])
def test_generate_content_stream(
    client_for: Any, version: str | None, model: str
) -> None:
    pieces = [
        _text(chunk)
        for chunk in client_for(version).models.generate_content_stream(
            model=model, contents="stream these four words"
        )
    ]
    # The simulator streams a word (with the space before it) a chunk.
    assert [p for p in pieces if p] == ["Echo:", " stream", " these", " four", " words"]


@VERSIONS
@pytest.mark.parametrize("model", [CHAT, GEMINI])
def test_function_calling(client_for: Any, version: str | None, model: str) -> None:
    config = gtypes.GenerateContentConfig(
        tools=[gtypes.Tool(function_declarations=[LOOKUP])],
        automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True),
    )
    response = client_for(version).models.generate_content(
        model=model, contents="call lookup the weather", config=config
    )
    calls = response.function_calls or []
    assert [(c.name, c.args) for c in calls] == [("lookup", {"query": "the weather"})]


def test_metrics_name_the_route_not_the_model(
    client_for: Any, gemini_stack: Stack
) -> None:
    for version in (None, "v1beta"):
        client_for(version).models.generate_content(model=CHAT, contents="hi")
    metrics = httpx.get(gemini_stack.edge_url + "/metrics").text
    for path in ("/v1", "/v1beta"):
        assert f'endpoint="{path}/models/{{model}}:generateContent"' in metrics
        # A label per model a client names would grow without bound.
        assert f'endpoint="{path}/models/demo' not in metrics


# --- countTokens --------------------------------------------------------------


@VERSIONS
def test_count_tokens_is_the_local_estimate(
    client_for: Any, version: str | None
) -> None:
    client = client_for(version)
    short = client.models.count_tokens(model=CHAT, contents="hello")
    long = client.models.count_tokens(
        model=CHAT, contents="hello there, how many tokens is this sentence?"
    )
    expected = estimate_tokens(
        count_request_to_hub(
            {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}, model=CHAT
        )
    )
    assert short.total_tokens == expected
    assert long.total_tokens > short.total_tokens
    assert short.sdk_http_response.headers["x-omniroute-token-count"] == "local"


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_count_tokens_of_a_generate_content_request(
    gemini_stack: Stack, version: str
) -> None:
    inner = {
        "model": f"models/{GEMINI}",
        "systemInstruction": {"parts": [{"text": "Answer briefly."}]},
        "contents": [{"role": "user", "parts": [{"text": "hello"}]}],
    }
    with httpx.Client(base_url=gemini_stack.edge_url) as http:
        headers = {"x-goog-api-key": gemini_stack.api_key}
        url = f"/{version}/models/{GEMINI}:countTokens"
        whole = http.post(url, json={"generateContentRequest": inner}, headers=headers)
        bare = http.post(url, json={"contents": inner["contents"]}, headers=headers)
    assert whole.status_code == 200, whole.text
    # The system instruction is counted too.
    assert whole.json()["totalTokens"] > bare.json()["totalTokens"] > 0
    assert list(whole.json()) == ["totalTokens"]


# --- embeddings ---------------------------------------------------------------


@VERSIONS
def test_embed_content(
    client_for: Any, gemini_stack: Stack, version: str | None
) -> None:
    client = client_for(version)
    config = gtypes.EmbedContentConfig(
        output_dimensionality=8, task_type="RETRIEVAL_DOCUMENT"
    )
    one = client.models.embed_content(model=EMBED, contents="hello", config=config)
    several = client.models.embed_content(
        model=EMBED, contents=["first text", "second text"], config=config
    )
    # The simulator's embedding of exactly these texts, at 8 dimensions.
    assert [e.values for e in one.embeddings or ()] == [embedding_vector("hello", 8)]
    assert [e.values for e in several.embeddings or ()] == [
        embedding_vector("first text", 8),
        embedding_vector("second text", 8),
    ]
    endpoint = "/v1beta" if version else "/v1"
    metrics = httpx.get(gemini_stack.edge_url + "/metrics").text
    # Metered as embeddings, under the route's template (no model in a label).
    assert re.search(
        r'omniroute_edge_requests_total\{endpoint="'
        + re.escape(endpoint + "/models/{model}:batchEmbedContents")
        + r'",model="text-embedding-3-small",provider="demo",status_class="2xx"\} 2',
        metrics,
    ), metrics


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_embed_content_method(gemini_stack: Stack, version: str) -> None:
    """``:embedContent``, which google-genai never calls for the Gemini API."""
    with httpx.Client(base_url=gemini_stack.edge_url) as http:
        response = http.post(
            f"/{version}/models/{EMBED}:embedContent",
            params={"key": gemini_stack.api_key},
            json={
                "content": {"parts": [{"text": "just one"}]},
                "taskType": "SEMANTIC_SIMILARITY",
                "outputDimensionality": 4,
            },
        )
    assert response.status_code == 200, response.text
    assert response.json() == {"embedding": {"values": embedding_vector("just one", 4)}}
    assert response.headers["x-omniroute-provider"] == "demo"


# --- models -------------------------------------------------------------------


@VERSIONS
def test_models_list(client_for: Any, version: str | None) -> None:
    client = client_for(version)
    models = {m.name: m for m in client.models.list()}
    assert f"models/{CHAT}" in models
    assert f"models/{GEMINI}" in models
    assert "generateContent" in (models[f"models/{CHAT}"].supported_actions or ())
    assert "embedContent" in (models[f"models/{EMBED}"].supported_actions or ())
    # Small pages: the pager follows nextPageToken to the same models.
    paged = [m.name for m in client.models.list(config={"page_size": 2})]
    assert paged == list(models)


@VERSIONS
def test_models_get(client_for: Any, version: str | None) -> None:
    client = client_for(version)
    model = client.models.get(model=CHAT)
    assert model.name == f"models/{CHAT}"
    assert model.supported_actions == [
        "generateContent",
        "streamGenerateContent",
        "countTokens",
    ]
    assert client.models.get(model="gpt-4o-mini").name == "models/gpt-4o-mini"
    with pytest.raises(gerrors.ClientError) as raised:
        client.models.get(model="demo/no-such-model")
    assert raised.value.code == 404
    assert raised.value.status == "NOT_FOUND"


# --- OpenAI clients keep OpenAI's /v1/models ----------------------------------


def test_openai_clients_keep_openai_models(gemini_stack: Stack) -> None:
    with openai.OpenAI(
        base_url=gemini_stack.edge_url + "/v1", api_key=gemini_stack.api_key
    ) as client:
        ids = [m.id for m in client.models.list()]
        assert CHAT in ids and EMBED in ids
        model = client.models.retrieve(CHAT)
        assert (model.id, model.object, model.owned_by) == (CHAT, "model", "demo")
        with pytest.raises(openai.NotFoundError) as raised:
            client.models.retrieve("demo/no-such-model")
    assert raised.value.body["code"] == "model_not_found"  # type: ignore[index]
    with httpx.Client(base_url=gemini_stack.edge_url) as http:
        listed = http.get("/v1/models", headers=_bearer(gemini_stack)).json()
    assert listed["object"] == "list"
    # OpenAI's fields, and ours: which endpoint the model serves.
    assert {"id", "object", "created", "owned_by", "type"} == set(listed["data"][0])


def test_v1_models_is_decided_by_what_the_client_sends(gemini_stack: Stack) -> None:
    key = gemini_stack.api_key
    bearer = _bearer(gemini_stack)
    with httpx.Client(base_url=gemini_stack.edge_url) as http:
        assert http.get("/v1/models", headers=bearer).json()["object"] == "list"
        for params, headers in (
            ({"key": key}, {}),
            ({}, {"x-goog-api-key": key}),
            # google-genai with a bearer token still marks itself.
            ({}, {**bearer, "x-goog-api-client": "google-genai-sdk/3.6.1"}),
        ):
            listed = http.get("/v1/models", params=params, headers=headers)
            assert "models" in listed.json(), (params, headers)
            one = http.get(f"/v1/models/{CHAT}", params=params, headers=headers)
            assert one.json()["name"] == f"models/{CHAT}"
        assert http.get(f"/v1/models/{CHAT}", headers=bearer).json()["id"] == CHAT
        # A tagged model looks like a Gemini method, yet this is OpenAI's 404.
        missing = http.get("/v1/models/nobody/llama3:8b", headers=bearer)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "model_not_found"


# --- errors in Gemini's shape -------------------------------------------------


def _gemini_error(response: httpx.Response, code: int, status: str) -> str:
    assert response.status_code == code, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "status"}
    assert (error["code"], error["status"]) == (code, status)
    return str(error["message"])


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_errors_are_gemini_shaped(gemini_stack: Stack, version: str) -> None:
    key = {"x-goog-api-key": gemini_stack.api_key}
    base = f"/{version}/models"
    text = {"contents": [{"parts": [{"text": "hi"}]}]}
    with httpx.Client(base_url=gemini_stack.edge_url, headers=key) as http:
        message = _gemini_error(
            http.post(f"{base}/{CHAT}:fooBar", json=text), 404, "NOT_FOUND"
        )
        assert ":countTokens" in message
        _gemini_error(
            http.post(f"{base}/nobody/nope:generateContent", json=text),
            404,
            "NOT_FOUND",
        )
        _gemini_error(
            http.post(f"{base}/{CHAT}:generateContent", json={"contents": "x"}),
            400,
            "INVALID_ARGUMENT",
        )
        _gemini_error(
            http.post(f"{base}/nobody/nope:countTokens", json=text), 404, "NOT_FOUND"
        )
        _gemini_error(
            http.post(f"{base}/{CHAT}:countTokens", content=b"{"),
            400,
            "INVALID_ARGUMENT",
        )
        message = _gemini_error(
            http.post(f"{base}/{EMBED}:embedContent", json={"content": {"parts": []}}),
            400,
            "INVALID_ARGUMENT",
        )
        assert message.startswith("content.parts:")
        _gemini_error(
            http.post(
                f"{base}/{EMBED}:batchEmbedContents",
                json={
                    "requests": [
                        {"model": "models/other", "content": {"parts": [{"text": "a"}]}}
                    ]
                },
            ),
            400,
            "INVALID_ARGUMENT",
        )
        _gemini_error(http.get(f"{base}/nobody/nope"), 404, "NOT_FOUND")
        _gemini_error(http.get(base, params={"pageSize": "x"}), 400, "INVALID_ARGUMENT")
        wrong = {"x-goog-api-key": "sk-wrong"}
        _gemini_error(http.get(base, headers=wrong), 401, "UNAUTHENTICATED")
        _gemini_error(
            http.post(f"{base}/{CHAT}:generateContent", json=text, headers=wrong),
            401,
            "UNAUTHENTICATED",
        )
