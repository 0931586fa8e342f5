"""Speech endpoints: text to speech (OpenAI, ElevenLabs) and OpenAI's
speech-to-English translation. Thin handlers; ``speech.py`` and
``audio.py`` hold the rules."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from services.simulator import audio, openai_format, speech
from services.simulator.delivery import SSE, send_bytes, send_json, send_stream
from services.simulator.errors import ProviderError
from services.simulator.inbound import Inbound
from services.simulator.parsing import json_object
from services.simulator.pipeline import provider_route

TRANSLATION_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")


async def openai_speech(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """OpenAI ``POST /v1/audio/speech``: the audio, streamed in pieces (or,
    with ``stream_format: "sse"``, as ``speech.audio.delta`` events)."""
    body = json_object(inbound.raw)
    spoken = speech.openai_request(body)
    clip = spoken.audio()
    if spoken.sse:
        frames = speech.sse_frames(clip, spoken, str(body.get("instructions") or ""))
        return await send_stream(
            request, frames, content_type=SSE, error_frame=openai_format.stream_error
        )
    return await send_stream(
        request,
        speech.chunks(clip),
        content_type=spoken.encoding.content_type,
        error_frame=None,
    )


def _elevenlabs_body(inbound: Inbound) -> dict[str, Any]:
    try:
        return json_object(inbound.raw)
    except ProviderError as error:
        # FastAPI refuses a body it cannot read as a validation error.
        raise ProviderError(422, error.message) from None


async def elevenlabs_speech(
    request: web.Request, inbound: Inbound
) -> web.StreamResponse:
    """ElevenLabs ``POST /v1/text-to-speech/{voice_id}`` (and ``/stream``):
    the audio in ``?output_format``, streamed in pieces either way."""
    spoken = speech.elevenlabs_request(
        _elevenlabs_body(inbound), request.query.get("output_format")
    )
    headers = {
        "request-id": uuid.uuid4().hex,
        "x-character-count": str(len(spoken.text)),
    }
    return await send_stream(
        request,
        speech.chunks(spoken.audio()),
        content_type=spoken.encoding.content_type,
        error_frame=None,
        headers=headers,
    )


async def translations(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """OpenAI ``POST /v1/audio/translations`` (multipart ``file`` + ``model``,
    optional ``prompt``, ``response_format``, ``temperature``)."""
    upload = inbound.files.get("file")
    if upload is None:
        raise ProviderError(400, "'file' is a required multipart field.")
    if not inbound.fields.get("model"):
        raise ProviderError(400, "'model' is a required multipart field.")
    response_format = inbound.fields.get("response_format", "json")
    if response_format not in TRANSLATION_FORMATS:
        raise ProviderError(400, f"Unsupported response_format '{response_format}'.")
    _check_temperature(inbound.fields.get("temperature"))
    body = audio.openai_translation(audio.describe(upload.data), response_format)
    if isinstance(body, str):
        return await send_bytes(request, body.encode(), content_type="text/plain")
    return await send_json(request, body)


def _check_temperature(value: str | None) -> None:
    if value is None:
        return
    try:
        temperature = float(value)
    except ValueError:
        raise ProviderError(
            400, "Invalid type for 'temperature': expected a number."
        ) from None
    if not 0.0 <= temperature <= 1.0:
        raise ProviderError(
            400, f"Invalid 'temperature': expected a value from 0 to 1, got {value}."
        )


def add_routes(app: web.Application) -> None:
    routes = [
        ("/v1/audio/speech", openai_speech),
        ("/audio/speech", openai_speech),
        ("/v1/audio/translations", translations),
        ("/audio/translations", translations),
        ("/v1/text-to-speech/{voice_id}", elevenlabs_speech),
        ("/v1/text-to-speech/{voice_id}/stream", elevenlabs_speech),
    ]
    for path, handler in routes:
        app.router.add_post(path, provider_route(handler))
