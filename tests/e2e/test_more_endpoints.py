"""Issue 16, first part: speech, translations, moderations and rerank
through the running stack, with the official ``openai`` SDK where it has
the endpoint; answers equal what the simulator sends when asked directly."""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import register_providers, usage_row

pytestmark = pytest.mark.e2e

DOCUMENTS = [
    "Carson City is the capital city of the American state of Nevada.",
    "Washington, D.C. is the capital of the United States.",
    "Capital punishment has existed in the United States since before it was "
    "a country.",
    "The Commonwealth of the Northern Mariana Islands is a group of islands.",
]
QUERY = "What is the capital of the United States?"
# Each rerank preset, the simulator's path it is served at, and a model.
RERANKERS = {
    "cohere": ("", "rerank-v3.5"),
    "jina": ("/jina/v1", "jina-reranker-v2-base-multilingual"),
    "voyage": ("/voyage/v1", "rerank-2"),
    "tei": ("/tei", "bge-reranker-base"),
    "infinity": ("/infinity", "mxbai-rerank-base-v1"),
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("more-endpoints"))
    try:
        providers: list[dict[str, Any]] = [
            {
                "id": "simoai",
                "kind": "openai-compatible",
                "base_url": running.simulator_url + "/v1",
                "api_key": "sk-simoai",
                "models": ["chat-x"],
                "transcription_models": ["whisper-1"],
                "speech_models": ["tts-1"],
                "moderation_models": ["omni-moderation-latest"],
            },
            {
                "id": "elevenlabs",
                "kind": "elevenlabs",
                "base_url": running.simulator_url,
                "api_key": "xi-key",
            },
        ]
        for kind, (path, model) in RERANKERS.items():
            providers.append(
                {
                    "id": kind,
                    "kind": kind,
                    "base_url": running.simulator_url + path,
                    "api_key": f"{kind}-key",
                    "rerank_models": [model],
                }
            )
        register_providers(
            running,
            providers,
            until="infinity/mxbai-rerank-base-v1",
        )
        yield running
    finally:
        running.stop()


@pytest.fixture
def client(stack: Stack) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=stack.edge_url + "/v1", api_key=stack.api_key, max_retries=0
    ) as sdk:
        yield sdk


@pytest.fixture
def upstream(stack: Stack) -> Iterator[openai.OpenAI]:
    """The simulator asked directly, as the gateway's provider."""
    with openai.OpenAI(
        base_url=stack.simulator_url + "/v1", api_key="sk-simoai", max_retries=0
    ) as sdk:
        yield sdk


def _tone(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (
            int(12000 * math.sin(2 * math.pi * 440 * i / rate))
            for i in range(int(seconds * rate))
        )
        out.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return buffer.getvalue()


def _edge(stack: Stack) -> httpx.Client:
    return httpx.Client(
        base_url=stack.edge_url,
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=30,
    )


def test_models_lists_each_kind_typed(stack: Stack) -> None:
    with _edge(stack) as http:
        models = {m["id"]: m["type"] for m in http.get("/v1/models").json()["data"]}
    assert models["simoai/tts-1"] == "speech"
    assert models["simoai/omni-moderation-latest"] == "moderation"
    assert models["cohere/rerank-v3.5"] == "rerank"
    assert models["elevenlabs/eleven_multilingual_v2"] == "speech"


def test_speech_streams_the_providers_audio_and_is_priced_per_character(
    stack: Stack, client: openai.OpenAI, upstream: openai.OpenAI
) -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 4
    with client.audio.speech.with_streaming_response.create(
        model="simoai/tts-1", voice="alloy", input=text, response_format="wav"
    ) as response:
        assert response.headers["content-type"] == "audio/wav"
        pieces = list(response.iter_bytes())
        request_id = response.headers["x-request-id"]
    audio = b"".join(pieces)
    direct = upstream.audio.speech.create(
        model="tts-1", voice="alloy", input=text, response_format="wav"
    ).content
    assert audio == direct and audio[:4] == b"RIFF"
    row = usage_row(stack.edge_url, stack.admin_key, request_id)
    # tts-1: $15 per million characters.
    assert row["costUsd"] == pytest.approx(len(text) * 15 / 1e6)


def test_speech_to_elevenlabs_is_asked_in_its_own_api(
    stack: Stack, client: openai.OpenAI
) -> None:
    response = client.audio.speech.create(
        model="elevenlabs/eleven_multilingual_v2",
        voice="21m00Tcm4TlvDq8ikWAM",
        input="Hello from the gateway.",
    )
    assert response.response.headers["content-type"] == "audio/mpeg"
    audio = response.content
    assert audio[:3] == b"ID3" or (audio[0] == 0xFF and audio[1] & 0xE0 == 0xE0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.speech.create(
            model="elevenlabs/eleven_multilingual_v2",
            voice="21m00Tcm4TlvDq8ikWAM",
            input="Hello.",
            response_format="flac",
        )
    assert "ElevenLabs makes" in str(caught.value)


def test_bad_speech_is_a_400_naming_the_field(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.speech.create(
            model="simoai/tts-1", voice="alloy", input="x" * 5000
        )
    assert "input" in str(caught.value)


# openai 3.x marks translations deprecated; the endpoint still serves.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_translations_answer_what_the_provider_said(
    client: openai.OpenAI, upstream: openai.OpenAI
) -> None:
    tone = _tone()
    answer = client.audio.translations.create(
        model="simoai/whisper-1", file=("tone.wav", tone)
    )
    direct = upstream.audio.translations.create(
        model="whisper-1", file=("tone.wav", tone)
    )
    assert answer.text == direct.text and answer.text


def test_moderations_answer_what_the_provider_said(
    client: openai.OpenAI, upstream: openai.OpenAI
) -> None:
    inputs = ["I will kill you", "What a lovely day"]
    answer = client.moderations.create(
        model="simoai/omni-moderation-latest", input=inputs
    )
    direct = upstream.moderations.create(model="omni-moderation-latest", input=inputs)
    assert [r.flagged for r in answer.results] == [True, False]
    assert [r.model_dump() for r in answer.results] == [
        r.model_dump() for r in direct.results
    ]


@pytest.mark.parametrize("kind", sorted(RERANKERS))
def test_rerank_orders_documents_as_the_provider_scored_them(
    stack: Stack, kind: str
) -> None:
    model = f"{kind}/{RERANKERS[kind][1]}"
    with _edge(stack) as http:
        response = http.post(
            "/v1/rerank",
            json={
                "model": model,
                "query": QUERY,
                "documents": DOCUMENTS,
                "top_n": 2,
                "return_documents": True,
            },
        )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == 2
    assert results[0]["index"] == 1  # the one about Washington, D.C.
    assert results[0]["relevance_score"] >= results[1]["relevance_score"]
    assert results[0]["document"] == {"text": DOCUMENTS[1]}
    row = usage_row(stack.edge_url, stack.admin_key, response.headers["x-request-id"])
    assert row["status"] == 200 and row["provider"] == kind


def test_cohere_rerank_is_billed_per_search_unit(stack: Stack) -> None:
    with _edge(stack) as http:
        response = http.post(
            "/v2/rerank",
            json={
                "model": "cohere/rerank-v3.5",
                "query": QUERY,
                "documents": DOCUMENTS,
            },
        )
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["billed_units"]["search_units"] == 1
    row = usage_row(stack.edge_url, stack.admin_key, response.headers["x-request-id"])
    assert row["costUsd"] == pytest.approx(0.002)


def test_the_local_reranker_needs_no_provider(stack: Stack) -> None:
    with _edge(stack) as http:
        response = http.post(
            "/v1/rerank",
            json={
                "model": "local/all-minilm-l6-v2",
                "query": "a small cat asleep",
                "documents": [
                    "Interest rates rose again this quarter.",
                    "A kitten is sleeping on the sofa.",
                    "The train leaves at noon.",
                ],
            },
        )
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["index"] == 1


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "cohere/rerank-v3.5", "documents": ["a"]}, "query"),
        ({"model": "cohere/rerank-v3.5", "query": "q", "documents": []}, "documents"),
        (
            {
                "model": "cohere/rerank-v3.5",
                "query": "q",
                "documents": ["a"],
                "top_n": 0,
            },
            "top_n",
        ),
    ],
)
def test_bad_rerank_is_a_400_naming_the_field(
    stack: Stack, body: dict[str, Any], param: str
) -> None:
    with _edge(stack) as http:
        response = http.post("/v1/rerank", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
