"""The Ollama API an Ollama client expects, through the running stack.

The official ``ollama`` client talks to the edge as if it were an Ollama
server: chat, generate, embeddings, the model listings and the version; raw
HTTP checks that every Ollama path answers errors in Ollama's own shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import ollama
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import Simulator

pytestmark = pytest.mark.e2e

CHAT = "demo/gpt-4o-mini"
EMBEDDING = "demo/text-embedding-3-small"
# What the demo provider serves besides chat (services/admin/bootstrap.py).
NOT_CHAT = {EMBEDDING, "demo/gpt-image-1", "demo/dall-e-3", "demo/whisper-1"}
# The demo's provider speaking Ollama itself.
OLLAMA_PROVIDER = "demo-ollama/llama3.2"
LOOKUP = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Looks a query up",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"],
        },
    },
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("ollama-api"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def client(stack: Stack) -> Iterator[ollama.Client]:
    with ollama.Client(
        host=stack.edge_url, headers={"Authorization": f"Bearer {stack.api_key}"}
    ) as connected:
        yield connected


@pytest.fixture
def http(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.edge_url, timeout=30) as plain:
        yield plain


def _auth(stack: Stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.api_key}"}


# --- chat and the listings -------------------------------------------------


def test_chat_answers_and_calls_tools(client: ollama.Client) -> None:
    answer = client.chat(
        model=CHAT, messages=[{"role": "user", "content": "hello there"}]
    )
    assert answer.message.content == "Echo: hello there"
    assert answer.done and answer.done_reason == "stop"
    called = client.chat(
        model=CHAT,
        messages=[{"role": "user", "content": "call lookup the weather"}],
        tools=[LOOKUP],
    )
    [call] = called.message.tool_calls or []
    assert call.function.name == "lookup"
    assert dict(call.function.arguments) == {"query": "the weather"}


def test_the_default_tag_names_the_model(client: ollama.Client) -> None:
    """Ollama tools add ``:latest`` to a bare name; it is the same model."""
    answer = client.chat(
        model="llama3.2:latest", messages=[{"role": "user", "content": "hi"}]
    )
    assert answer.message.content == "Echo: hi"
    shown = client.show("llama3.2:latest")
    assert "completion" in (shown.capabilities or [])
    with pytest.raises(ollama.ResponseError) as unknown:
        client.chat(model="nope:latest", messages=[{"role": "user", "content": "x"}])
    assert unknown.value.status_code == 404


def test_chat_without_messages_is_the_load_call(
    client: ollama.Client, sim: Simulator
) -> None:
    loaded = client.chat(model=CHAT, messages=[])
    assert (loaded.done, loaded.done_reason) == (True, "load")
    assert loaded.message.content == ""
    unloaded = client.chat(model=CHAT, messages=[], keep_alive=0)
    assert unloaded.done_reason == "unload"
    assert sim.calls()["total"] == 0


def test_tags_lists_the_chat_models_only(client: ollama.Client) -> None:
    listed = client.list()
    names = {m.model for m in listed.models}
    assert {CHAT, "demo/gpt-4o", OLLAMA_PROVIDER} <= names
    assert not names & NOT_CHAT
    entry = next(m for m in listed.models if m.model == CHAT)
    assert entry.digest is not None and len(entry.digest) == 64
    assert entry.details is not None and entry.details.family == "demo"
    assert entry.modified_at is not None and entry.modified_at.year >= 2024


def test_show_describes_a_model_and_its_capabilities(
    client: ollama.Client, stack: Stack, http: httpx.Client
) -> None:
    chat = client.show(CHAT)
    assert chat.capabilities == ["completion", "tools"]
    assert chat.details is not None and chat.details.family == "demo"
    assert chat.modelfile is not None and f"FROM {CHAT}" in chat.modelfile
    assert chat.modelinfo is not None
    assert chat.modelinfo["general.basename"] == CHAT
    assert client.show(EMBEDDING).capabilities == ["embedding"]
    # Older clients name the model as "name"; a bare model name resolves too.
    legacy = http.post("/api/show", json={"name": "gpt-4o-mini"}, headers=_auth(stack))
    assert legacy.status_code == 200
    assert legacy.json()["capabilities"] == ["completion", "tools"]
    with pytest.raises(ollama.ResponseError) as caught:
        client.show("nope/unknown-model")
    assert caught.value.status_code == 404
    assert caught.value.error == "model 'nope/unknown-model' not found"


def test_ps_shows_the_chat_models_loaded(client: ollama.Client) -> None:
    running = client.ps()
    names = {m.model for m in running.models}
    assert CHAT in names
    assert not names & NOT_CHAT
    entry = next(m for m in running.models if m.model == CHAT)
    assert entry.expires_at is not None
    assert entry.expires_at > datetime.now(UTC).replace(year=2100)
    assert entry.size_vram == 0


def test_version_and_root_answer_as_ollama(http: httpx.Client) -> None:
    version = http.get("/api/version")
    assert version.status_code == 200
    major, minor, _ = (int(part) for part in version.json()["version"].split("."))
    assert (major, minor) >= (0, 12)
    assert http.head("/api/version").status_code == 200
    root = http.get("/")
    assert (root.status_code, root.text) == (200, "Ollama is running")
    assert http.head("/").status_code == 200


# --- generate --------------------------------------------------------------


def test_generate_answers_in_generates_shape(client: ollama.Client) -> None:
    answer = client.generate(model=CHAT, prompt="why is the sky blue", stream=False)
    assert answer.response == "Echo: why is the sky blue"
    assert answer.done and answer.done_reason == "stop"
    assert answer.model == CHAT
    # The simulator counts a message's words plus 3, and one token a piece.
    assert (answer.prompt_eval_count, answer.eval_count) == (5 + 3, 6)
    with_system = client.generate(
        model=CHAT, prompt="why is the sky blue", system="be brief", stream=False
    )
    assert with_system.response == "Echo: why is the sky blue"
    assert with_system.prompt_eval_count == 5 + 3 + 2 + 3


def test_generate_streams_its_pieces(client: ollama.Client) -> None:
    parts = list(client.generate(model=CHAT, prompt="one two three", stream=True))
    assert [p.response for p in parts] == ["Echo:", " one", " two", " three", ""]
    assert [p.done for p in parts] == [False] * 4 + [True]
    assert parts[-1].done_reason == "stop"
    assert parts[-1].eval_count == 4


def test_generate_streams_ndjson_by_default(stack: Stack, http: httpx.Client) -> None:
    response = http.post(
        "/api/generate", json={"model": CHAT, "prompt": "hi"}, headers=_auth(stack)
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.iter_lines()]
    assert "".join(line["response"] for line in lines) == "Echo: hi"
    assert lines[-1]["done"] is True


def test_generate_through_a_provider_speaking_ollama(client: ollama.Client) -> None:
    answer = client.generate(model=OLLAMA_PROVIDER, prompt="hi there", stream=False)
    assert answer.response == "Echo: hi there"
    streamed = client.generate(model=OLLAMA_PROVIDER, prompt="hi there", stream=True)
    assert "".join(p.response or "" for p in streamed) == "Echo: hi there"


def test_generate_without_a_prompt_is_the_load_call(
    client: ollama.Client, sim: Simulator
) -> None:
    loaded = client.generate(model=CHAT)
    assert (loaded.response, loaded.done, loaded.done_reason) == ("", True, "load")
    assert client.generate(model=CHAT, keep_alive=0).done_reason == "unload"
    assert sim.calls()["total"] == 0
    with pytest.raises(ollama.ResponseError) as caught:
        client.generate(model="nope/unknown-model")
    assert caught.value.status_code == 404


# --- embeddings ------------------------------------------------------------


def test_embed_gives_one_vector_per_input(
    client: ollama.Client, stack: Stack, http: httpx.Client
) -> None:
    answer = client.embed(model=EMBEDDING, input=["the sky", "the grass"])
    assert answer.model == EMBEDDING
    assert [len(vector) for vector in answer.embeddings] == [1536, 1536]
    assert answer.prompt_eval_count == 4
    openai = http.post(
        "/v1/embeddings",
        json={"model": EMBEDDING, "input": "the grass"},
        headers=_auth(stack),
    )
    assert list(answer.embeddings[1]) == openai.json()["data"][0]["embedding"]
    short = client.embed(model=EMBEDDING, input="the sky", dimensions=64)
    assert [len(vector) for vector in short.embeddings] == [64]


def test_legacy_embeddings_give_one_vector(client: ollama.Client) -> None:
    answer = client.embeddings(model=EMBEDDING, prompt="the sky")
    assert len(answer.embedding) == 1536


def test_embed_without_input_is_the_load_call(
    client: ollama.Client, sim: Simulator
) -> None:
    assert list(client.embed(model=EMBEDDING, input="").embeddings) == []
    assert list(client.embeddings(model=EMBEDDING, prompt="").embedding) == []
    assert sim.calls()["total"] == 0


# --- errors, in Ollama's shape on every Ollama path -------------------------

POSTS = {
    "/api/chat": {"model": CHAT, "messages": [{"role": "user", "content": "hi"}]},
    "/api/generate": {"model": CHAT, "prompt": "hi"},
    "/api/embed": {"model": EMBEDDING, "input": "hi"},
    "/api/embeddings": {"model": EMBEDDING, "prompt": "hi"},
    "/api/show": {"model": CHAT},
}
GETS = ("/api/tags", "/api/ps")


def _ollama_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str), body
    return str(body["error"])


@pytest.mark.parametrize("prefix", ["", "/v1"])
def test_a_missing_key_is_a_401_in_ollamas_shape(
    http: httpx.Client, prefix: str
) -> None:
    for path, body in POSTS.items():
        message = _ollama_error(http.post(prefix + path, json=body), 401)
        assert "API key" in message
    for path in GETS:
        _ollama_error(http.get(prefix + path), 401)


@pytest.mark.parametrize("prefix", ["", "/v1"])
def test_an_unknown_model_is_a_404_in_ollamas_shape(
    stack: Stack, http: httpx.Client, prefix: str
) -> None:
    for path, body in POSTS.items():
        unknown = {**body, "model": "nope/unknown-model"}
        response = http.post(prefix + path, json=unknown, headers=_auth(stack))
        assert "nope/unknown-model" in _ollama_error(response, 404)


def test_a_bad_body_is_a_400_in_ollamas_shape(stack: Stack, http: httpx.Client) -> None:
    for path in POSTS:
        response = http.post(path, content=b"{not json", headers=_auth(stack))
        _ollama_error(response, 400)
    wrong = http.post(
        "/api/embed", json={"model": EMBEDDING, "input": 5}, headers=_auth(stack)
    )
    assert _ollama_error(wrong, 400).startswith("input:")
