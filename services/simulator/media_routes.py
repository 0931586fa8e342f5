"""Embeddings, images and speech-to-text endpoints (OpenAI, Deepgram,
AssemblyAI), plus the file server behind image URLs and uploads."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from aiohttp import web

from services.simulator import audio, media
from services.simulator.audio import AudioInfo, TranscriptJob
from services.simulator.delivery import send_bytes, send_json
from services.simulator.errors import ProviderError
from services.simulator.inbound import Inbound
from services.simulator.parsing import json_object
from services.simulator.pipeline import provider_route
from services.simulator.state import STATE

FILES_PREFIX = "/_sim/files/"


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def embeddings(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """OpenAI ``POST /v1/embeddings``."""
    return await send_json(request, media.embeddings(json_object(inbound.raw)))


async def images(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """OpenAI ``POST /v1/images/generations``."""
    model, prompt, count, kind = media.image_request(json_object(inbound.raw))
    return await _images_answer(request, model, prompt, count, kind)


async def image_edits(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """OpenAI ``POST /v1/images/edits`` (multipart ``image``/``image[]``,
    ``mask``, ``prompt``, ``model``)."""
    if not inbound.parts and not inbound.fields:
        raise ProviderError(400, "The request must be multipart/form-data.")
    parts = [(name, upload.data) for name, upload in inbound.parts]
    model, prompt, count, kind = media.image_edit_request(inbound.fields, parts)
    return await _images_answer(request, model, prompt, count, kind)


async def _images_answer(
    request: web.Request, model: str, prompt: str, count: int, kind: str
) -> web.StreamResponse:
    files = request.app[STATE].files
    entries: list[dict[str, str]] = []
    for index in range(count):
        name, data = media.image_for(prompt, index)
        entry: dict[str, str] = {}
        if kind == "url":
            files.put(name, (data, "image/png"))
            entry["url"] = f"{_base_url(request)}{FILES_PREFIX}{name}"
        else:
            entry["b64_json"] = base64.b64encode(data).decode()
        if model == "dall-e-3":
            entry["revised_prompt"] = prompt
        entries.append(entry)
    return await send_json(request, media.images_body(model, prompt, entries))


async def transcriptions(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """OpenAI ``POST /v1/audio/transcriptions`` (multipart ``file`` + ``model``)."""
    upload = inbound.files.get("file")
    if upload is None:
        raise ProviderError(400, "'file' is a required multipart field.")
    if not inbound.fields.get("model"):
        raise ProviderError(400, "'model' is a required multipart field.")
    response_format = inbound.fields.get("response_format", "json")
    if response_format not in ("json", "text", "verbose_json", "srt", "vtt"):
        raise ProviderError(400, f"Unsupported response_format '{response_format}'.")
    body = audio.openai_transcription(
        audio.describe(upload.data), response_format, inbound.fields.get("language")
    )
    if isinstance(body, str):
        return await send_bytes(request, body.encode(), content_type="text/plain")
    return await send_json(request, body)


def _audio_from_url(request: web.Request, url: str) -> AudioInfo | None:
    """The audio behind ``url`` when it is one of the simulator's files."""
    if FILES_PREFIX not in url:
        return None
    stored = request.app[STATE].files.get(url.rsplit("/", 1)[-1])
    return audio.describe(stored[0]) if stored is not None else None


async def deepgram_listen(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """Deepgram ``POST /v1/listen``: raw audio, or JSON ``{"url": …}``."""
    model = request.query.get("model", "base")
    if isinstance(inbound.json, dict):
        url = str(inbound.json.get("url") or "")
        info = _audio_from_url(request, url)
        if info is None:
            raise ProviderError(400, f"Failed to download audio from the URL: {url}")
    else:
        if not inbound.raw:
            raise ProviderError(400, "Bad Request: the request body is empty.")
        info = audio.describe(inbound.raw)
    return await send_json(request, audio.deepgram_listen(info, model))


async def assemblyai_upload(
    request: web.Request, inbound: Inbound
) -> web.StreamResponse:
    """AssemblyAI ``POST /v2/upload``: stores the bytes, answers their URL."""
    if not inbound.raw:
        raise ProviderError(400, "The uploaded file is empty.")
    name = f"upload-{uuid.uuid4().hex}"
    kind = audio.sniff(inbound.raw)
    request.app[STATE].files.put(name, (inbound.raw, kind))
    return await send_json(
        request, {"upload_url": f"{_base_url(request)}{FILES_PREFIX}{name}"}
    )


async def assemblyai_create(
    request: web.Request, inbound: Inbound
) -> web.StreamResponse:
    """AssemblyAI ``POST /v2/transcript``: a job, ``queued``."""
    body = json_object(inbound.raw)
    url = body.get("audio_url")
    if not isinstance(url, str) or not url:
        raise ProviderError(400, "audio_url is required")
    model = body.get("speech_model")
    job = TranscriptJob(
        id=str(uuid.uuid4()),
        audio_url=url,
        speech_model=model if isinstance(model, str) else None,
        info=_audio_from_url(request, url),
    )
    request.app[STATE].jobs.put(job.id, job)
    return await send_json(request, job.body())


async def assemblyai_get(request: web.Request, inbound: Inbound) -> web.StreamResponse:
    """AssemblyAI ``GET /v2/transcript/{id}``: one poll of the job."""
    job = request.app[STATE].jobs.get(request.match_info["id"])
    if job is None:
        raise ProviderError(404, "Transcript not found")
    body: dict[str, Any] = job.poll()
    return await send_json(request, body)


async def serve_file(request: web.Request) -> web.Response:
    """``GET /_sim/files/{name}``: generated images and uploads (no key)."""
    stored = request.app[STATE].files.get(request.match_info["name"])
    if stored is None:
        raise web.HTTPNotFound(text="no such file")
    data, content_type = stored
    return web.Response(body=data, content_type=content_type)


def add_routes(app: web.Application) -> None:
    routes = [
        ("POST", "/v1/embeddings", embeddings),
        ("POST", "/embeddings", embeddings),
        ("POST", "/v1/images/generations", images),
        ("POST", "/images/generations", images),
        ("POST", "/v1/images/edits", image_edits),
        ("POST", "/images/edits", image_edits),
        ("POST", "/v1/audio/transcriptions", transcriptions),
        ("POST", "/audio/transcriptions", transcriptions),
        ("POST", "/v1/listen", deepgram_listen),
        ("POST", "/v2/upload", assemblyai_upload),
        ("POST", "/v2/transcript", assemblyai_create),
        ("GET", "/v2/transcript/{id}", assemblyai_get),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, provider_route(handler))
    app.router.add_get(FILES_PREFIX + "{name}", serve_file)
