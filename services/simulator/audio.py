"""Speech-to-text, deterministic: OpenAI (whisper-style) transcriptions and
translations, Deepgram ``/v1/listen`` and AssemblyAI upload + transcript jobs.

* Content type comes from magic bytes: ``RIFF…WAVE`` audio/wav, ``ID3`` or
  an MPEG frame sync audio/mpeg, an ADTS sync (layer 00) audio/aac,
  ``fLaC`` audio/flac, ``OggS`` audio/ogg, EBML audio/webm, ``ftyp`` at
  offset 4 audio/mp4, else application/octet-stream.
* Duration: read from the clip itself where ``audio_formats`` can (a WAV's
  header, MP3 or ADTS frames, FLAC's STREAMINFO, an Ogg Opus granule), so
  the simulator's own speech reads back at its length; otherwise the size
  at 128 kbit/s (16,000 bytes a second), rounded to milliseconds.
* Text: ``"Simulated transcript of <N> bytes of <content type>."`` (a
  translation: ``"Simulated English translation of …"``).
* AssemblyAI: a job is ``queued`` when created, ``queued`` at its first poll,
  ``processing`` at the second, ``completed`` from the third; an
  ``audio_url`` that is not one of the simulator's uploads ends ``error``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.simulator import audio_formats

BYTES_PER_SECOND = 16_000
COMPLETED_AT_POLL = 3


@dataclass(frozen=True, slots=True)
class AudioInfo:
    size: int
    content_type: str
    duration: float

    @property
    def transcript(self) -> str:
        return f"Simulated transcript of {self.size} bytes of {self.content_type}."

    @property
    def translation(self) -> str:
        return (
            f"Simulated English translation of {self.size} bytes"
            f" of {self.content_type}."
        )

    @property
    def words(self) -> list[str]:
        return self.transcript.split()


def sniff(data: bytes) -> str:
    """The audio content type by magic bytes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if audio_formats.is_adts(data):
        return "audio/aac"
    if data[:3] == b"ID3" or (
        len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0
    ):
        return "audio/mpeg"
    if data[:4] == b"fLaC":
        return "audio/flac"
    if data[:4] == b"OggS":
        return "audio/ogg"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "audio/webm"
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    return "application/octet-stream"


def describe(data: bytes) -> AudioInfo:
    kind = sniff(data)
    duration = audio_formats.duration_of(kind, data)
    if duration is None:
        duration = len(data) / BYTES_PER_SECOND
    return AudioInfo(len(data), kind, round(duration, 3))


def _word_times(info: AudioInfo) -> list[tuple[str, float, float]]:
    words = info.words
    step = info.duration / len(words) if info.duration else 0.0
    return [
        (w, round(i * step, 3), round((i + 1) * step, 3)) for i, w in enumerate(words)
    ]


def openai_transcription(
    info: AudioInfo, response_format: str, language: str | None
) -> Any:
    """The body of ``/v1/audio/transcriptions`` for ``response_format``:
    a dict for ``json``/``verbose_json``, a string for ``text``/``srt``/``vtt``."""
    usage = {"type": "duration", "seconds": max(1, round(info.duration))}
    body = _speech_text_body(info, info.transcript, response_format)
    if not isinstance(body, dict):
        return body
    if response_format == "verbose_json":
        body.update(task="transcribe", language=language or "english")
    return {**body, "usage": usage}


def openai_translation(info: AudioInfo, response_format: str) -> Any:
    """The body of ``/v1/audio/translations``: as a transcription's, but the
    text is an English translation (``verbose_json`` says ``"translate"``,
    language ``"english"``) and there is no ``usage``."""
    body = _speech_text_body(info, info.translation, response_format)
    if isinstance(body, dict) and response_format == "verbose_json":
        body.update(task="translate", language="english")
    return body


def _speech_text_body(info: AudioInfo, text: str, response_format: str) -> Any:
    if response_format == "text":
        return text
    if response_format in ("srt", "vtt"):
        end = _timestamp(info.duration, "," if response_format == "srt" else ".")
        start = _timestamp(0.0, "," if response_format == "srt" else ".")
        cue = f"{start} --> {end}\n{text}\n"
        return f"1\n{cue}" if response_format == "srt" else f"WEBVTT\n\n{cue}"
    if response_format != "verbose_json":
        return {"text": text}
    segment = {
        "id": 0,
        "seek": 0,
        "start": 0.0,
        "end": info.duration,
        "text": text,
        "tokens": list(range(len(text.split()))),
        "temperature": 0.0,
        "avg_logprob": -0.1,
        "compression_ratio": 1.0,
        "no_speech_prob": 0.0,
    }
    # Key order as OpenAI sends it: task and language come first.
    return {
        "task": None,
        "language": None,
        "duration": info.duration,
        "text": text,
        "segments": [segment],
    }


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def deepgram_listen(info: AudioInfo, model: str) -> dict[str, Any]:
    """The ``/v1/listen`` pre-recorded answer."""
    words = [
        {
            "word": word.lower().strip("."),
            "start": start,
            "end": end,
            "confidence": 0.99,
            "punctuated_word": word,
        }
        for word, start, end in _word_times(info)
    ]
    model_id = str(uuid.uuid5(uuid.NAMESPACE_URL, model))
    return {
        "metadata": {
            "transaction_key": "deprecated",
            "request_id": str(uuid.uuid4()),
            "sha256": "",
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "duration": info.duration,
            "channels": 1,
            "models": [model_id],
            "model_info": {model_id: {"name": model, "version": "sim", "arch": model}},
        },
        "results": {
            "channels": [
                {
                    "alternatives": [
                        {
                            "transcript": info.transcript,
                            "confidence": 0.99,
                            "words": words,
                        }
                    ]
                }
            ]
        },
    }


@dataclass(slots=True)
class TranscriptJob:
    """One AssemblyAI transcript; its status moves with each poll."""

    id: str
    audio_url: str
    speech_model: str | None
    info: AudioInfo | None
    polls: int = 0
    created: str = field(
        default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    )

    def poll(self) -> dict[str, Any]:
        self.polls += 1
        return self.body()

    @property
    def status(self) -> str:
        if self.polls >= COMPLETED_AT_POLL:
            return "completed" if self.info is not None else "error"
        return "processing" if self.polls == COMPLETED_AT_POLL - 1 else "queued"

    def body(self) -> dict[str, Any]:
        status = self.status
        body: dict[str, Any] = {
            "id": self.id,
            "status": status,
            "audio_url": self.audio_url,
            "speech_model": self.speech_model,
            "language_code": None,
            "text": None,
            "words": None,
            "utterances": None,
            "confidence": None,
            "audio_duration": None,
            "punctuate": True,
            "format_text": True,
            "created": self.created,
        }
        if status == "error":
            body["error"] = f"Download error, unable to download {self.audio_url}"
        elif status == "completed" and self.info is not None:
            body.update(
                language_code="en_us",
                text=self.info.transcript,
                confidence=0.99,
                audio_duration=max(1, round(self.info.duration)),
                words=[
                    {
                        "text": word,
                        "start": round(start * 1000),
                        "end": round(end * 1000),
                        "confidence": 0.99,
                        "speaker": None,
                    }
                    for word, start, end in _word_times(self.info)
                ],
            )
        return body
