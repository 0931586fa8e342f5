"""google-genai (the Gemini SDK) on its default API version (v1) and on
v1beta: generate, stream, automatic function calling, count_tokens,
embed_content and models.list."""

from __future__ import annotations

import pytest

from tests.clients.harness import Scripts

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

VERSIONS = ["default", "v1beta"]


@pytest.mark.parametrize("version", VERSIONS)
def test_generate(scripts: Scripts, version: str) -> None:
    answer = scripts.python_script("genai_client", "generate", version)
    assert answer["text"] == "Echo: hello gemini"
    assert answer["finish"] == "FinishReason.STOP"
    assert answer["prompt_tokens"] > 0


@pytest.mark.parametrize("version", VERSIONS)
def test_stream(scripts: Scripts, version: str) -> None:
    answer = scripts.python_script("genai_client", "stream", version)
    assert answer["pieces"] == ["Echo:", " hello", " gemini"]


@pytest.mark.parametrize("version", VERSIONS)
def test_function_calling(scripts: Scripts, version: str) -> None:
    answer = scripts.python_script("genai_client", "function_calling", version)
    assert answer["calls"] == [{"name": "lookup", "args": {"query": "the moon"}}]
    assert answer["results"] == [{"result": "found the moon"}]
    assert answer["text"] == "Tool said: found the moon"


@pytest.mark.parametrize("version", VERSIONS)
def test_count_tokens(scripts: Scripts, version: str) -> None:
    answer = scripts.python_script("genai_client", "count_tokens", version)
    # "one two three": three words, plus whatever framing the count adds.
    assert 3 <= answer["total_tokens"] <= 20


@pytest.mark.parametrize("version", VERSIONS)
def test_embed_content(scripts: Scripts, version: str) -> None:
    answer = scripts.python_script("genai_client", "embed", version)
    assert answer["count"] == 2
    assert answer["dimensions"][0] == answer["dimensions"][1] > 0


@pytest.mark.parametrize("version", VERSIONS)
def test_models_list(scripts: Scripts, version: str) -> None:
    names = scripts.python_script("genai_client", "models", version)["names"]
    assert all(name.startswith("models/") for name in names), names
    assert any(name.endswith("/gemini-2.5-flash") for name in names), names
