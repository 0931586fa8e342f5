"""Text to speech, deterministic: what OpenAI's ``/v1/audio/speech`` and
ElevenLabs' ``/v1/text-to-speech/{voice_id}`` are asked, and the audio
they answer with (the bytes come from ``audio_formats``).

* Length: 15 characters of text a second, divided by the speed, at least
  0.5 s; frame-based formats round up to their next whole frame.
* OpenAI: 24 kHz mono for every format but mp3, which is MPEG-1 Layer III
  at 44.1 kHz and 128 kbit/s (MPEG-1 has no 24 kHz); opus is Ogg Opus.
* ElevenLabs: ``output_format`` is ``codec_rate[_kbps]`` and is taken at its
  word (``mp3_22050_32`` is MPEG-2 at 22.05 kHz, 32 kbit/s).
* Either way the audio goes out in pieces of 4 KiB (at most 32 of them),
  or, for OpenAI's ``stream_format: "sse"``, as ``speech.audio.delta``
  events then a ``speech.audio.done`` whose output tokens are 20 a second
  of audio (the simulator's own rate: OpenAI does not publish one).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any

from services.simulator import audio_formats, ogg_opus
from services.simulator.errors import ProviderError
from services.simulator.frames import sse
from services.simulator.parsing import model_of

CHARS_PER_SECOND = 15
MIN_SECONDS = 0.5
MAX_OPENAI_INPUT = 4096
CHUNK_BYTES = 4096
MAX_CHUNKS = 32
AUDIO_TOKENS_PER_SECOND = 20

CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
    "ulaw": "audio/basic",  # RFC 2046: 8 kHz mono mu-law
    "alaw": "audio/x-alaw-basic",
}
OPENAI_VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
OPENAI_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
# Models whose speech cannot be streamed as server-sent events.
NO_SSE_MODELS = frozenset({"tts-1", "tts-1-hd"})
ELEVENLABS_DEFAULT_MODEL = "eleven_multilingual_v2"
ELEVENLABS_DEFAULT_FORMAT = "mp3_44100_128"
ELEVENLABS_FORMATS = frozenset(
    {
        *("mp3_22050_32", "mp3_24000_48"),
        *(f"mp3_44100_{kbps}" for kbps in (32, 64, 96, 128, 192)),
        *(f"pcm_{rate}" for rate in (8000, 16000, 22050, 24000, 32000, 44100, 48000)),
        *(f"wav_{rate}" for rate in (8000, 16000, 22050, 24000, 32000, 44100, 48000)),
        *("ulaw_8000", "alaw_8000"),
        *(f"opus_48000_{kbps}" for kbps in (32, 64, 96, 128, 192)),
    }
)


@dataclass(frozen=True, slots=True)
class Encoding:
    codec: str
    rate: int
    kbps: int = 0

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.codec]

    def render(self, seconds: float) -> bytes:
        """``seconds`` of audio in this encoding."""
        samples = round(seconds * self.rate)
        if self.codec == "mp3":
            return audio_formats.mp3(samples, self.rate, self.kbps)
        if self.codec == "opus":
            opus_samples = round(seconds * ogg_opus.OPUS_RATE)
            return ogg_opus.encode(opus_samples, self.rate)
        if self.codec == "aac":
            return audio_formats.adts(samples, self.rate)
        if self.codec == "flac":
            return audio_formats.flac(samples, self.rate)
        if self.codec == "wav":
            return audio_formats.wav(samples, self.rate)
        if self.codec in ("ulaw", "alaw"):
            return audio_formats.g711(samples, self.rate, self.codec)
        return audio_formats.pcm(samples, self.rate)


OPENAI_ENCODINGS = {
    "mp3": Encoding("mp3", 44100, 128),
    **{codec: Encoding(codec, 24000) for codec in OPENAI_FORMATS if codec != "mp3"},
}


@dataclass(frozen=True, slots=True)
class SpeechRequest:
    model: str
    text: str
    encoding: Encoding
    speed: float = 1.0
    sse: bool = False

    @property
    def seconds(self) -> float:
        return max(MIN_SECONDS, len(self.text) / CHARS_PER_SECOND / self.speed)

    def audio(self) -> bytes:
        return self.encoding.render(self.seconds)


def _openai_input(body: dict[str, Any]) -> str:
    text = body.get("input")
    if not isinstance(text, str):
        raise ProviderError(400, "'input' is a required property of type string.")
    if not text:
        raise ProviderError(
            400,
            "Invalid 'input': string too short. Expected a string with minimum "
            "length 1, but got an empty string instead.",
        )
    if len(text) > MAX_OPENAI_INPUT:
        raise ProviderError(
            400,
            "Invalid 'input': string too long. Expected a string with maximum "
            f"length {MAX_OPENAI_INPUT}, but got a string with length "
            f"{len(text)} instead.",
        )
    return text


def _check_openai_voice(voice: Any) -> None:
    """A built-in voice's name, or a custom voice as ``{"id": ...}``."""
    if isinstance(voice, dict) and isinstance(voice.get("id"), str) and voice["id"]:
        return
    if voice in OPENAI_VOICES:
        return
    if voice is None:
        raise ProviderError(400, "'voice' is a required property.")
    supported = ", ".join(f"'{name}'" for name in OPENAI_VOICES)
    raise ProviderError(
        400, f"Invalid value for 'voice': {voice!r}. Supported values are: {supported}."
    )


def _openai_speed(body: dict[str, Any]) -> float:
    speed = body.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, int | float):
        raise ProviderError(400, "Invalid type for 'speed': expected a number.")
    if speed < 0.25:
        raise ProviderError(
            400,
            "Invalid 'speed': decimal below minimum value. Expected a value "
            f">= 0.25, but got {speed} instead.",
        )
    if speed > 4.0:
        raise ProviderError(
            400,
            "Invalid 'speed': decimal above maximum value. Expected a value "
            f"<= 4.0, but got {speed} instead.",
        )
    return float(speed)


def openai_request(body: dict[str, Any]) -> SpeechRequest:
    """The ``/v1/audio/speech`` body, checked as OpenAI checks it."""
    model = model_of(body)
    text = _openai_input(body)
    _check_openai_voice(body.get("voice"))
    response_format = body.get("response_format", "mp3")
    if response_format not in OPENAI_ENCODINGS:
        supported = ", ".join(f"'{name}'" for name in OPENAI_FORMATS)
        raise ProviderError(
            400,
            f"Invalid value: '{response_format}'. Supported values are: {supported}.",
        )
    if not isinstance(body.get("instructions", ""), str):
        raise ProviderError(400, "Invalid type for 'instructions': expected a string.")
    stream_format = body.get("stream_format", "audio")
    if stream_format not in ("audio", "sse"):
        raise ProviderError(
            400,
            f"Invalid value: '{stream_format}'. Supported values are: 'sse' and "
            "'audio'.",
        )
    if stream_format == "sse" and model in NO_SSE_MODELS:
        raise ProviderError(400, f"stream_format 'sse' is not supported for {model}.")
    return SpeechRequest(
        model,
        text,
        OPENAI_ENCODINGS[response_format],
        _openai_speed(body),
        stream_format == "sse",
    )


def elevenlabs_encoding(output_format: str | None) -> Encoding:
    """The ``output_format`` query parameter (FastAPI checks it: 422)."""
    name = output_format or ELEVENLABS_DEFAULT_FORMAT
    if name not in ELEVENLABS_FORMATS:
        raise ProviderError(422, f"Input should be a supported output_format: {name}")
    codec, rate, *kbps = name.split("_")
    return Encoding(codec, int(rate), int(kbps[0]) if kbps else 0)


def elevenlabs_request(
    body: dict[str, Any], output_format: str | None
) -> SpeechRequest:
    """The ``/v1/text-to-speech/{voice_id}`` body and query."""
    text = body.get("text")
    if not isinstance(text, str) or not text:
        raise ProviderError(422, "Field required: 'text' must be a non-empty string.")
    model = body.get("model_id") or ELEVENLABS_DEFAULT_MODEL
    if not isinstance(model, str):
        raise ProviderError(422, "Input should be a valid string: 'model_id'.")
    settings = body.get("voice_settings")
    speed = settings.get("speed", 1.0) if isinstance(settings, dict) else 1.0
    if isinstance(speed, bool) or not isinstance(speed, int | float) or speed <= 0:
        speed = 1.0
    return SpeechRequest(model, text, elevenlabs_encoding(output_format), float(speed))


def chunks(audio: bytes) -> list[bytes]:
    """The pieces the audio is written in."""
    size = max(CHUNK_BYTES, math.ceil(len(audio) / MAX_CHUNKS))
    return [audio[start : start + size] for start in range(0, len(audio), size)]


def sse_frames(audio: bytes, speech: SpeechRequest, instructions: str) -> list[bytes]:
    """OpenAI's ``stream_format: "sse"``: the audio in base64 deltas, then
    the usage."""
    frames = [
        sse({"type": "speech.audio.delta", "audio": base64.b64encode(piece).decode()})
        for piece in chunks(audio)
    ]
    input_tokens = len(speech.text.split()) + len(instructions.split())
    output_tokens = math.ceil(speech.seconds * AUDIO_TOKENS_PER_SECOND)
    usage = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }
    frames.append(sse({"type": "speech.audio.done", "usage": usage}))
    return frames
