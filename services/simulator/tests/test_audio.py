"""Speech-to-text: OpenAI transcriptions (SDK), Deepgram and AssemblyAI."""

from __future__ import annotations

import io
import struct

import httpx
import openai
import pytest

from services.simulator.audio import describe, sniff


def wav(seconds: float, rate: int = 8000) -> bytes:
    """A silent mono 16-bit WAV of ``seconds``."""
    data = b"\x00\x00" * int(rate * seconds)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"ID3\x04", "audio/mpeg"),
        (b"\xff\xfb\x90", "audio/mpeg"),
        (b"fLaC", "audio/flac"),
        (b"OggS", "audio/ogg"),
        (b"\x1a\x45\xdf\xa3", "audio/webm"),
        (b"\x00\x00\x00\x20ftypM4A ", "audio/mp4"),
        (b"hello", "application/octet-stream"),
    ],
)
def test_content_type_by_magic_bytes(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


def test_wav_duration_from_its_header() -> None:
    info = describe(wav(1.5))
    assert (info.content_type, info.duration) == ("audio/wav", 1.5)
    assert describe(b"ID3" + bytes(31_997)).duration == 2.0


def test_openai_transcription_with_the_sdk(url: str) -> None:
    audio = wav(0.5)
    with openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0) as sdk:
        plain = sdk.audio.transcriptions.create(
            model="whisper-1", file=("a.wav", io.BytesIO(audio), "audio/wav")
        )
        verbose = sdk.audio.transcriptions.create(
            model="whisper-1",
            file=("a.wav", io.BytesIO(audio), "audio/wav"),
            response_format="verbose_json",
        )
    expected = f"Simulated transcript of {len(audio)} bytes of audio/wav."
    assert plain.text == expected
    assert verbose.text == expected
    assert verbose.duration == 0.5
    assert verbose.language == "english"


def test_deepgram_listen(url: str) -> None:
    audio = wav(2.0)
    reply = httpx.post(
        url + "/v1/listen?model=nova-3&smart_format=true",
        content=audio,
        headers={"Authorization": "Token dg-key", "Content-Type": "audio/wav"},
    )
    assert reply.status_code == 200
    body = reply.json()
    alternative = body["results"]["channels"][0]["alternatives"][0]
    assert alternative["transcript"] == (
        f"Simulated transcript of {len(audio)} bytes of audio/wav."
    )
    assert body["metadata"]["duration"] == 2.0
    assert alternative["words"][-1]["end"] == 2.0


def test_assemblyai_upload_then_polls_to_completion(url: str) -> None:
    headers = {"authorization": "aai-key"}
    audio = b"ID3" + bytes(47_997)
    upload = httpx.post(url + "/v2/upload", content=audio, headers=headers).json()
    created = httpx.post(
        url + "/v2/transcript",
        json={"audio_url": upload["upload_url"]},
        headers=headers,
    ).json()
    assert created["status"] == "queued"
    statuses = []
    for _ in range(4):
        polled = httpx.get(url + f"/v2/transcript/{created['id']}", headers=headers)
        statuses.append(polled.json()["status"])
    assert statuses == ["queued", "processing", "completed", "completed"]
    done = polled.json()
    assert done["text"] == "Simulated transcript of 48000 bytes of audio/mpeg."
    assert (done["language_code"], done["audio_duration"]) == ("en_us", 3)


def test_assemblyai_unknown_audio_ends_in_error(url: str) -> None:
    created = httpx.post(
        url + "/v2/transcript", json={"audio_url": "https://example.com/a.mp3"}
    ).json()
    for _ in range(3):
        polled = httpx.get(url + f"/v2/transcript/{created['id']}").json()
    assert polled["status"] == "error"
    assert "example.com" in polled["error"]
    missing = httpx.get(url + "/v2/transcript/nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Transcript not found"}
