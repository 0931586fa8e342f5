"""Issue 7 acceptance: embeddings, images and transcription through the stack."""

from __future__ import annotations

import base64
import io
import math
import struct
import subprocess
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import openai
import orjson
import pytest

from omniroute.stack import Stack
from tests.conftest import start_stack
from tests.helpers import Simulator, admin_client, poll_until, register_providers

pytestmark = pytest.mark.e2e

REFERENCE = (
    Path(__file__).resolve().parents[2]
    / "omniroute/embedding/tests/data/minilm-reference.json"
)
MAX_AUDIO = 256 * 1024


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("media"),
        env={"MAX_AUDIO_BYTES": str(MAX_AUDIO), "TRANSCRIPTION_TIMEOUT_S": "2"},
    )
    try:
        register_providers(
            running,
            [
                {
                    "id": "simoai",
                    "kind": "openai-compatible",
                    "base_url": running.simulator_url + "/v1",
                    "api_key": "sk-simoai",
                    "models": ["chat-x"],
                    "embedding_models": ["text-embedding-3-small"],
                    "image_models": ["gpt-image-1", "dall-e-3"],
                    "transcription_models": ["whisper-1"],
                },
                {
                    "id": "deepgram",
                    "kind": "deepgram",
                    "base_url": running.simulator_url,
                    "api_key": "dg-key",
                },
                {
                    "id": "assemblyai",
                    "kind": "assemblyai",
                    "base_url": running.simulator_url,
                    "api_key": "aai-key",
                },
            ],
            until="assemblyai/best",
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


def _tone(seconds: float = 0.5, rate: int = 8000) -> bytes:
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


def _encode(wav: bytes, fmt: str, tmp: Path) -> bytes:
    """The same tone in another container, made by a real encoder (ffmpeg)."""
    if fmt == "wav":
        return wav
    import imageio_ffmpeg

    source, target = tmp / "tone.wav", tmp / f"tone.{fmt}"
    source.write_bytes(wav)
    codec = {
        "mp3": "libmp3lame",
        "m4a": "aac",
        "flac": "flac",
        "ogg": "libvorbis",
        "webm": "libopus",
    }[fmt]
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(source),
            "-c:a",
            codec,
            str(target),
        ],
        check=True,
        timeout=60,
    )
    return target.read_bytes()


def test_embeddings_single_batch_float_and_base64(client: openai.OpenAI) -> None:
    single = client.embeddings.create(
        model="simoai/text-embedding-3-small", input="hello"
    )
    assert len(single.data) == 1 and len(single.data[0].embedding) == 1536
    batch = client.embeddings.create(
        model="simoai/text-embedding-3-small",
        input=["a", "b", "c"],
        encoding_format="float",
    )
    assert [d.index for d in batch.data] == [0, 1, 2]
    raw = client.embeddings.with_raw_response.create(
        model="simoai/text-embedding-3-small", input=["a"], encoding_format="base64"
    )
    decoded = np.frombuffer(
        base64.b64decode(orjson.loads(raw.content)["data"][0]["embedding"]), "<f4"
    )
    assert np.allclose(decoded, batch.data[0].embedding, atol=1e-6)
    assert batch.usage.prompt_tokens > 0


def test_the_local_provider_matches_the_reference_model(client: openai.OpenAI) -> None:
    reference = orjson.loads(REFERENCE.read_bytes())["items"]
    texts = [item["text"] for item in reference]
    answer = client.embeddings.create(model="local/all-minilm-l6-v2", input=texts)
    for item, got in zip(reference, answer.data, strict=True):
        expected = np.array(item["vector"], dtype=np.float32)
        vector = np.array(got.embedding, dtype=np.float32)
        cosine = float(
            vector @ expected / (np.linalg.norm(vector) * np.linalg.norm(expected))
        )
        assert cosine >= 0.99, item["text"]
    short = client.embeddings.create(
        model="local/all-minilm-l6-v2", input="hi", dimensions=64
    )
    assert len(short.data[0].embedding) == 64
    assert abs(np.linalg.norm(short.data[0].embedding) - 1) < 1e-4
    models = {m.id for m in client.models.list()}
    assert "local/all-minilm-l6-v2" in models


def test_images_in_both_answer_formats(stack: Stack, client: openai.OpenAI) -> None:
    b64 = client.images.generate(model="simoai/gpt-image-1", prompt="a lighthouse", n=2)
    assert len(b64.data) == 2
    assert base64.b64decode(b64.data[0].b64_json or "").startswith(b"\x89PNG")
    url = client.images.generate(
        model="simoai/dall-e-3", prompt="a lighthouse", response_format="url"
    )
    assert url.data[0].url and httpx.get(url.data[0].url).content.startswith(b"\x89PNG")
    listed = httpx.get(
        stack.edge_url + "/v1/images/generations",
        headers={"Authorization": f"Bearer {stack.api_key}"},
    )
    assert {"simoai/gpt-image-1", "simoai/dall-e-3"} <= {
        m["id"] for m in listed.json()["data"]
    }


@pytest.mark.parametrize("fmt", ["wav", "mp3", "m4a", "flac", "ogg", "webm"])
@pytest.mark.parametrize(
    "model", ["deepgram/nova-3", "assemblyai/best", "simoai/whisper-1"]
)
def test_transcriptions_of_every_container(
    client: openai.OpenAI, tmp_path: Path, fmt: str, model: str
) -> None:
    audio = _encode(_tone(), fmt, tmp_path)
    answer = client.audio.transcriptions.create(
        model=model, file=("clip-named-wrongly.bin", audio)
    )
    assert answer.text.startswith(
        f"Simulated transcript of {len(audio)} bytes of audio/"
    )
    extra = answer.model_extra or {}
    assert extra["task"] == "transcribe"
    assert "language" in extra and "duration" in extra


def test_not_audio_is_a_400_and_too_big_a_413(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        client.audio.transcriptions.create(
            model="deepgram/nova-3", file=("notes.mp3", b'{"not": "audio"}')
        )
    assert "is not audio (JSON text)" in bad.value.body["message"]  # type: ignore[index]
    with pytest.raises(openai.APIStatusError) as big:
        client.audio.transcriptions.create(
            model="deepgram/nova-3", file=("big.wav", _tone(seconds=20))
        )
    assert big.value.status_code == 413


def test_a_stuck_assemblyai_job_is_a_504_and_polling_stops(
    stack: Stack, client: openai.OpenAI
) -> None:
    sim = Simulator(stack.simulator_url)
    sim.clear()
    sim.fault(
        path="/v2/transcript/", status=200, body={"id": "stuck", "status": "processing"}
    )
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as timeout:
        client.audio.transcriptions.create(
            model="assemblyai/best", file=("a.wav", _tone())
        )
    assert timeout.value.status_code == 504
    assert time.monotonic() - started < 2 + 2.5
    polls = sim.calls()["by_path"]
    time.sleep(1.5)
    assert sim.calls()["by_path"] == polls  # no task left polling
    sim.clear()
    sim.http.close()


def test_usage_and_cost_are_recorded_for_each_kind(
    stack: Stack, client: openai.OpenAI
) -> None:
    # Other tests in this module record usage too, and events land asynchronously:
    # match this test's rows by request id rather than taking the newest of a kind.
    answers = {
        "embeddings": client.embeddings.with_raw_response.create(
            model="simoai/text-embedding-3-small", input="cost me"
        ),
        "images": client.images.with_raw_response.generate(
            model="simoai/dall-e-3", prompt="cost me"
        ),
        "audio": client.audio.transcriptions.with_raw_response.create(
            model="deepgram/nova-3", file=("a.wav", _tone(seconds=1))
        ),
    }
    kind_of = {answer.headers["x-request-id"]: kind for kind, answer in answers.items()}

    def recorded() -> dict[str, dict[str, object]]:
        with admin_client(stack.edge_url, stack.admin_key) as admin:
            rows = admin.get("/api/usage/logs", params={"limit": 200}).json()["entries"]
        return {kind_of[r["request_id"]]: r for r in rows if r["request_id"] in kind_of}

    rows = poll_until(lambda: (found := recorded()) and len(found) == 3 and found)
    assert all(row["kind"] == kind for kind, row in rows.items())
    assert all(row["status"] == 200 for row in rows.values())
    assert rows["embeddings"]["prompt_tokens"] > 0
    assert rows["images"]["cost_usd"] == pytest.approx(0.04)
    assert rows["audio"]["cost_usd"] == pytest.approx(1.0 / 60 * 0.0043, rel=0.05)


def test_media_models_are_listed_and_provider_routes_pin_the_provider(
    stack: Stack,
) -> None:
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    listed = httpx.get(stack.edge_url + "/v1/embeddings", headers=headers).json()
    assert {"simoai/text-embedding-3-small", "local/all-minilm-l6-v2"} <= {
        m["id"] for m in listed["data"]
    }
    with openai.OpenAI(
        base_url=stack.edge_url + "/v1/providers/simoai",
        api_key=stack.api_key,
        max_retries=0,
    ) as pinned:
        vectors = pinned.embeddings.create(model="text-embedding-3-small", input="hi")
        assert vectors.model.endswith("text-embedding-3-small")
        assert len(vectors.data[0].embedding) > 0
        image = pinned.images.generate(model="dall-e-3", prompt="a boat")
        assert image.data[0].b64_json or image.data[0].url
        with pytest.raises(openai.BadRequestError) as wrong:
            pinned.embeddings.create(model="local/all-minilm-l6-v2", input="hi")
    assert "simoai" in str(wrong.value)


def test_media_falls_back_like_chat(stack: Stack, client: openai.OpenAI) -> None:
    with admin_client(stack.edge_url, stack.admin_key) as admin:
        backup = admin.post(
            "/api/providers",
            json={
                "id": "backup",
                "kind": "openai-compatible",
                "base_url": stack.simulator_url + "/v1",
                "api_key": "sk-backup",
                "embedding_models": ["text-embedding-3-small"],
                "image_models": ["dall-e-3"],
            },
        )
        assert backup.status_code == 201, backup.text
        for name, members in (
            (
                "emb-fallback",
                ["simoai/text-embedding-3-small", "backup/text-embedding-3-small"],
            ),
            ("img-fallback", ["simoai/dall-e-3", "backup/dall-e-3"]),
        ):
            combo = admin.post(
                "/api/combos",
                json={
                    "name": name,
                    "strategy": "priority",
                    "members": [{"model": m, "weight": 1} for m in members],
                },
            )
            assert combo.status_code == 201, combo.text
    sim = Simulator(stack.simulator_url)
    sim.clear()
    sim.fault(key="sk-simoai", status=503, message="simoai is down")
    try:

        def embedded() -> openai.types.CreateEmbeddingResponse | None:
            try:
                return client.embeddings.create(model="emb-fallback", input="x")
            except openai.NotFoundError:
                return None  # the combo has not reached the edge yet

        poll_until(embedded, timeout=10)
        raw = client.embeddings.with_raw_response.create(
            model="emb-fallback", input="y"
        )
        assert raw.headers["x-omniroute-provider"] == "backup"
        image = client.images.with_raw_response.generate(
            model="img-fallback", prompt="a fallback"
        )
        assert image.headers["x-omniroute-provider"] == "backup"
        by_key = sim.calls()["by_key"]
        assert by_key["sk-simoai"] >= 2 and by_key["sk-backup"] >= 2
    finally:
        sim.clear()
        sim.http.close()
