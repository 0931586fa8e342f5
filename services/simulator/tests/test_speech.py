"""OpenAI text to speech and translations, through the official SDK: real,
deterministic audio in every format, streamed, and faults on the stream."""

from __future__ import annotations

import base64
import io
import json
import struct
from collections.abc import Iterator

import httpx
import openai
import pytest

from omniroute.audio import FLAC, MP3, OGG, WAV, sniff_audio
from services.simulator.audio import describe
from services.simulator.harness import SimControl

# 45 characters: three seconds of speech at 15 characters a second.
THREE_SECONDS = "The quick brown fox jumps over the lazy dog.."
SPEECH = {"model": "gpt-4o-mini-tts", "voice": "alloy", "input": THREE_SECONDS}


@pytest.fixture
def client(url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=url + "/v1", api_key="sk-tts", max_retries=0) as sdk:
        yield sdk


def _speak(client: openai.OpenAI, response_format: str) -> tuple[bytes, httpx.Headers]:
    with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts",
        voice="alloy",
        input=THREE_SECONDS,
        response_format=response_format,  # type: ignore[arg-type]
    ) as response:
        pieces = list(response.iter_bytes())
        return b"".join(pieces), response.headers


@pytest.mark.parametrize(
    ("response_format", "content_type", "magic", "gateway_sees"),
    [
        ("mp3", "audio/mpeg", b"\xff\xfb", MP3),
        ("opus", "audio/opus", b"OggS", OGG),
        ("aac", "audio/aac", b"\xff\xf1", None),
        ("flac", "audio/flac", b"fLaC", FLAC),
        ("wav", "audio/wav", b"RIFF", WAV),
    ],
)
def test_each_format_streams_real_audio_of_the_right_length(
    client: openai.OpenAI,
    response_format: str,
    content_type: str,
    magic: bytes,
    gateway_sees: object,
) -> None:
    audio, headers = _speak(client, response_format)
    assert headers["content-type"] == content_type
    assert headers["transfer-encoding"] == "chunked"
    assert "content-length" not in headers
    assert audio.startswith(magic)
    assert sniff_audio(audio) == gateway_sees
    # Frame-based formats end on a whole frame: at most one frame over.
    assert 3.0 <= describe(audio).duration < 3.05


def test_wav_and_pcm_are_24khz_16bit_mono(client: openai.OpenAI) -> None:
    wav, _ = _speak(client, "wav")
    channels, rate, byte_rate, align, bits = struct.unpack("<HIIHH", wav[22:36])
    assert (channels, rate, byte_rate, align, bits) == (1, 24000, 48000, 2, 16)
    assert wav[36:40] == b"data"
    pcm, headers = _speak(client, "pcm")
    assert headers["content-type"] == "audio/pcm"
    assert len(pcm) == 3 * 24000 * 2
    assert pcm == wav[44:]
    assert sniff_audio(pcm) is None


def test_mp3_is_a_run_of_mpeg1_layer3_frames(client: openai.OpenAI) -> None:
    audio, _ = _speak(client, "mp3")
    offset, frames = 0, 0
    while offset < len(audio):
        header = audio[offset : offset + 4]
        assert header[:2] == b"\xff\xfb"  # MPEG-1, Layer III, no CRC
        assert header[2] >> 4 == 9 and (header[2] >> 2) & 3 == 0  # 128k, 44.1k
        offset += 417 + ((header[2] >> 1) & 1)
        frames += 1
    assert offset == len(audio)
    assert frames == 115  # ceil(3 s x 44100 / 1152)


def test_same_text_same_bytes_and_speed_shortens(client: openai.OpenAI) -> None:
    first = client.audio.speech.create(**SPEECH, response_format="wav").content
    again = client.audio.speech.create(**SPEECH, response_format="wav").content
    assert first == again
    fast = client.audio.speech.create(**SPEECH, response_format="wav", speed=2.0)
    assert describe(fast.content).duration == 1.5
    tiny = client.audio.speech.create(
        model="tts-1", voice={"id": "voice_1234"}, input="Hi", response_format="wav"
    )
    assert describe(tiny.content).duration == 0.5


def test_speech_transcribes_back_at_its_length(client: openai.OpenAI) -> None:
    for response_format in ("mp3", "wav", "flac"):
        audio, _ = _speak(client, response_format)
        heard = client.audio.transcriptions.create(
            model="whisper-1",
            file=(f"speech.{response_format}", io.BytesIO(audio)),
            response_format="verbose_json",
        )
        assert round(heard.duration, 1) == 3.0


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"input": "x" * 4097}, "maximum length 4096"),
        ({"input": ""}, "minimum length 1"),
        ({"voice": "robot"}, "'voice'"),
        ({"voice": None}, "'voice' is a required property"),
        ({"response_format": "ogg"}, "'mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'"),
        ({"speed": 4.5}, "<= 4.0"),
        ({"speed": 0.1}, ">= 0.25"),
        ({"model": "tts-1", "stream_format": "sse"}, "not supported for tts-1"),
    ],
)
def test_invalid_requests_are_400s_in_openai_shape(
    url: str, change: dict[str, object], complaint: str
) -> None:
    body = {**SPEECH, **change}
    reply = httpx.post(url + "/v1/audio/speech", json=body)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert complaint in error["message"]


def test_sdk_raises_bad_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.speech.create(
            model="tts-1", voice="alloy", input="x" * 5000, response_format="mp3"
        )
    assert caught.value.status_code == 400


def test_sse_stream_carries_the_same_audio_then_usage(url: str) -> None:
    plain = httpx.post(
        url + "/audio/speech", json={**SPEECH, "response_format": "wav"}
    ).content
    reply = httpx.post(
        url + "/v1/audio/speech",
        json={**SPEECH, "response_format": "wav", "stream_format": "sse"},
    )
    assert reply.headers["content-type"].startswith("text/event-stream")
    events = [
        json.loads(line[len("data: ") :])
        for line in reply.text.splitlines()
        if line.startswith("data: ")
    ]
    deltas = [e for e in events if e["type"] == "speech.audio.delta"]
    assert len(deltas) > 1
    assert b"".join(base64.b64decode(e["audio"]) for e in deltas) == plain
    done = events[-1]
    assert done["type"] == "speech.audio.done"
    assert done["usage"] == {
        "input_tokens": 9,
        "output_tokens": 60,
        "total_tokens": 69,
    }


def test_the_call_is_recorded(client: openai.OpenAI, control: SimControl) -> None:
    client.audio.speech.create(**SPEECH)
    recent = control.calls()["recent"][-1]
    assert (recent["path"], recent["model"], recent["key"]) == (
        "/v1/audio/speech",
        "gpt-4o-mini-tts",
        "sk-tts",
    )
    assert recent["body"]["voice"] == "alloy"


def test_fault_cuts_the_audio_stream_part_way(url: str, control: SimControl) -> None:
    control.add_faults(
        {"match": {"path": "/audio/speech"}, "error_after_chunks": 2, "times": 1}
    )
    received = bytearray()
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream(
            "POST", url + "/v1/audio/speech", json={**SPEECH, "response_format": "wav"}
        ) as response,
    ):
        assert response.status_code == 200
        for piece in response.iter_raw():
            received += piece
    # The 144,044-byte clip goes in 32 pieces of 4,502 bytes: two arrived,
    # then the connection closed.
    assert bytes(received[:4]) == b"RIFF"
    assert len(received) == 2 * 4502


def test_fault_before_any_audio_is_a_plain_error(
    client: openai.OpenAI, control: SimControl
) -> None:
    control.add_faults(
        {
            "match": {"model": "gpt-4o-mini-tts"},
            "status": 503,
            "error_after_chunks": 0,
            "times": 1,
        },
        {"match": {"path": "/audio/speech"}, "status": 429, "times": 1},
    )
    with pytest.raises(openai.InternalServerError) as unavailable:
        client.audio.speech.create(**SPEECH)
    assert unavailable.value.status_code == 503
    with pytest.raises(openai.RateLimitError) as limited:
        client.audio.speech.create(**SPEECH)
    assert limited.value.body["code"] == "rate_limit_exceeded"  # type: ignore[index]


# The SDK marks the translations endpoint (whisper-1 only) deprecated.
@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
def test_translation_in_each_format(client: openai.OpenAI) -> None:
    audio, _ = _speak(client, "wav")
    upload = ("speech.wav", io.BytesIO(audio), "audio/wav")
    plain = client.audio.translations.create(model="whisper-1", file=upload)
    expected = f"Simulated English translation of {len(audio)} bytes of audio/wav."
    assert plain.text == expected
    verbose = client.audio.translations.create(
        model="whisper-1",
        file=("speech.wav", io.BytesIO(audio), "audio/wav"),
        response_format="verbose_json",
        prompt="An English sentence.",
        temperature=0.2,
    )
    assert (verbose.language, verbose.duration, verbose.text) == (
        "english",
        3.0,
        expected,
    )
    assert verbose.segments is not None and verbose.segments[0].end == 3.0
    text = client.audio.translations.create(
        model="whisper-1",
        file=("speech.wav", io.BytesIO(audio), "audio/wav"),
        response_format="text",
    )
    assert str(text).strip() == expected


def test_translation_refusals(url: str) -> None:
    missing_model = httpx.post(
        url + "/v1/audio/translations", files={"file": ("a.wav", b"RIFF")}
    )
    assert missing_model.status_code == 400
    assert "'model'" in missing_model.json()["error"]["message"]
    too_hot = httpx.post(
        url + "/audio/translations",
        files={"file": ("a.wav", b"RIFF")},
        data={"model": "whisper-1", "temperature": "1.5"},
    )
    assert too_hot.status_code == 400
    assert "temperature" in too_hot.json()["error"]["message"]
