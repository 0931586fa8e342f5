"""ElevenLabs text to speech over plain HTTP: ``xi-api-key``, output
formats, the error shape, and faults matched by ``model_id``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from services.simulator.audio import describe
from services.simulator.harness import SimControl, SimulatorProcess

VOICE = "JBFqnCBsd6RMkjVDRZzb"
# 30 characters: two seconds of speech.
TWO_SECONDS = "Hello from the simulator, hi!!"
KEY = {"xi-api-key": "xi-key"}


def _speak(url: str, query: str = "", **body: object) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/text-to-speech/{VOICE}{query}",
        json={"text": TWO_SECONDS, **body},
        headers=KEY,
    )


def test_default_is_mp3_44100_128(url: str) -> None:
    reply = _speak(url)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "audio/mpeg"
    assert reply.headers["transfer-encoding"] == "chunked"
    assert reply.headers["x-character-count"] == "30"
    assert reply.content[:2] == b"\xff\xfb"
    assert (reply.content[2] >> 4, (reply.content[2] >> 2) & 3) == (9, 0)
    assert 2.0 <= describe(reply.content).duration < 2.03


@pytest.mark.parametrize(
    ("output_format", "content_type", "size"),
    [
        ("pcm_16000", "audio/pcm", 2 * 16000 * 2),
        ("pcm_44100", "audio/pcm", 2 * 44100 * 2),
        ("ulaw_8000", "audio/basic", 2 * 8000),
        ("alaw_8000", "audio/x-alaw-basic", 2 * 8000),
        ("wav_22050", "audio/wav", 44 + 2 * 22050 * 2),
    ],
)
def test_raw_formats_have_the_exact_size(
    url: str, output_format: str, content_type: str, size: int
) -> None:
    reply = _speak(url, f"?output_format={output_format}")
    assert reply.headers["content-type"] == content_type
    assert len(reply.content) == size


def test_stream_endpoint_mp3_and_opus(url: str) -> None:
    low = httpx.post(
        f"{url}/v1/text-to-speech/{VOICE}/stream?output_format=mp3_22050_32",
        json={"text": TWO_SECONDS, "model_id": "eleven_flash_v2_5"},
        headers=KEY,
    )
    assert low.content[:2] == b"\xff\xf3"  # MPEG-2 Layer III
    assert 2.0 <= describe(low.content).duration < 2.03
    opus = httpx.post(
        f"{url}/v1/text-to-speech/{VOICE}/stream?output_format=opus_48000_64",
        json={"text": TWO_SECONDS},
        headers=KEY,
    )
    assert opus.headers["content-type"] == "audio/opus"
    assert opus.content[:4] == b"OggS" and b"OpusHead" in opus.content[:64]
    assert describe(opus.content).duration == 2.0


def test_speed_comes_from_voice_settings(url: str) -> None:
    reply = _speak(
        url, "?output_format=pcm_24000", voice_settings={"stability": 0.5, "speed": 0.8}
    )
    assert len(reply.content) == round(2 / 0.8 * 24000) * 2


def test_key_and_model_are_recorded(url: str, control: SimControl) -> None:
    _speak(url, model_id="eleven_flash_v2_5")
    recent = control.calls()["recent"][-1]
    assert (recent["key"], recent["model"]) == ("xi-key", "eleven_flash_v2_5")
    assert recent["headers"]["xi-api-key"] == "[redacted]"


def test_validation_errors_are_422_lists(url: str) -> None:
    no_text = httpx.post(f"{url}/v1/text-to-speech/{VOICE}", json={}, headers=KEY)
    assert no_text.status_code == 422
    assert "text" in no_text.json()["detail"][0]["msg"]
    bad_format = _speak(url, "?output_format=mp3_8000_8")
    assert bad_format.status_code == 422
    assert "output_format" in bad_format.json()["detail"][0]["msg"]


def test_fault_by_model_in_elevenlabs_shape(url: str, control: SimControl) -> None:
    control.add_faults(
        {"match": {"model": "eleven_flash_v2_5"}, "status": 429, "times": 1}
    )
    limited = _speak(url, model_id="eleven_flash_v2_5")
    assert limited.status_code == 429
    assert limited.json()["detail"]["status"] == "too_many_concurrent_requests"
    assert _speak(url, model_id="eleven_flash_v2_5").status_code == 200


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    with SimulatorProcess("--require-key", "xi-good") as sim:
        yield sim.url


def test_bad_key_is_401_in_elevenlabs_shape(guarded: str) -> None:
    refused = _speak(guarded)
    assert refused.status_code == 401
    assert refused.json()["detail"] == {
        "status": "invalid_api_key",
        "message": "Invalid API key provided.",
    }
    accepted = httpx.post(
        f"{guarded}/v1/text-to-speech/{VOICE}",
        json={"text": "hi"},
        headers={"xi-api-key": "xi-good"},
    )
    assert accepted.status_code == 200
