"""Embeddings, image generation and edits, transcription and translation,
moderations and rerank at the edge.

Same keys, plans, fallback and metering as chat: the request is validated
here (a clear 400, a 413 for an oversized upload), dispatched with its
operation, and the executor's whole answer is returned in OpenAI's shape.
Gemini's ``embedContent`` and ``batchEmbedContents`` ride the same
embeddings operation: translated to OpenAI's body on the way in, the answer
back to Gemini's on the way out, errors in Gemini's shape.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable
from typing import Any

import orjson
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.errors import BadRequest
from omniroute.uploads import MANIFEST, Upload, pack
from omniroute.wire.formats import WireFormat
from omniroute.wire.gemini import embeddings as gemini_embeddings
from omniroute.wire.ollama import embed as ollama_embed
from services.edge import spend_estimate
from services.edge.audio_upload import audio_form
from services.edge.body import parse_json_object, read_body
from services.edge.client_gone import answer_unless_gone
from services.edge.codecs import OLLAMA, OPENAI_CHAT, ClientCodec, Codec
from services.edge.dispatch_path import DispatchPath
from services.edge.exchange import Exchange, Recorder, open_exchange
from services.edge.image_edits import MAX_IMAGES as _MAX_EDIT_IMAGES
from services.edge.image_edits import image_edit_request
from services.edge.operation_bodies import moderation_body, rerank_body
from services.edge.settings import EdgeSettings
from services.edge.spend_estimate import Estimate

ModelRewrite = Callable[[str], str] | None
AnswerShape = Callable[[bytes], bytes]
_NO_EMBEDDINGS = b'{"object":"list","data":[]}'
# The usage kind (its price) of an operation, when not the operation's name.
_KINDS = {"transcription": "audio", "translation": "audio", "image_edits": "images"}
# Only its format is read: errors and the usage event name the client's format.
_GEMINI = ClientCodec(WireFormat.GEMINI)


class MediaPipeline:
    def __init__(
        self, settings: EdgeSettings, path: DispatchPath, recorder: Recorder
    ) -> None:
        self._settings = settings
        self._path = path
        self._recorder = recorder

    async def embeddings(
        self, request: Request, rewrite: ModelRewrite = None
    ) -> Response:
        """``POST /v1/embeddings``."""

        async def parse(exchange: Exchange) -> dict[str, Any]:
            body = await self._json(request)
            raw = body.get("input")
            if not (isinstance(raw, str) or (isinstance(raw, list) and raw)):
                raise BadRequest(
                    "input: a string or a non-empty list of inputs", param="input"
                )
            return body

        return await self._serve(request, "embeddings", parse, rewrite)

    async def gemini_embeddings(
        self, request: Request, model: str, batch: bool, endpoint: str
    ) -> Response:
        """Gemini ``:embedContent`` (``batch=False``) or ``:batchEmbedContents``.

        ``endpoint`` is the route's template, so the model in the URL does not
        become a metrics label.
        """
        translate = (
            gemini_embeddings.batch_embed_request
            if batch
            else gemini_embeddings.embed_request
        )
        shape = (
            gemini_embeddings.batch_embed_response
            if batch
            else gemini_embeddings.embed_response
        )

        async def parse(exchange: Exchange) -> dict[str, Any]:
            return translate(await self._json(request), model=model)

        def answer(raw: bytes) -> bytes:
            return orjson.dumps(shape(orjson.loads(raw)))

        return await self._serve(
            request, "embeddings", parse, None, _GEMINI, answer, endpoint
        )

    async def ollama_embeddings(self, request: Request, legacy: bool) -> Response:
        """Ollama ``/api/embed`` or (``legacy``) ``/api/embeddings``, asked of
        the provider as OpenAI embeddings and answered in Ollama's shape."""
        started_ns = time.perf_counter_ns()
        model = ""

        async def parse(exchange: Exchange) -> dict[str, Any]:
            nonlocal model
            body = await self._json(request)
            openai_body = ollama_embed.request_to_openai(body, legacy=legacy)
            model = openai_body["model"]
            return openai_body

        def answer(raw: bytes) -> bytes:
            vectors = orjson.loads(raw)
            if legacy:
                return orjson.dumps(ollama_embed.embeddings_response(vectors))
            # Ollama's total_duration: nanoseconds, here the whole exchange.
            total_ns = time.perf_counter_ns() - started_ns
            return orjson.dumps(
                ollama_embed.embed_response(vectors, model=model, total_ns=total_ns)
            )

        return await self._serve(request, "embeddings", parse, None, OLLAMA, answer)

    async def images(self, request: Request, rewrite: ModelRewrite = None) -> Response:
        """``POST /v1/images/generations``."""

        async def parse(exchange: Exchange) -> dict[str, Any]:
            body = await self._json(request)
            if not isinstance(body.get("prompt"), str) or not body["prompt"].strip():
                raise BadRequest(
                    "prompt: a non-empty string is required", param="prompt"
                )
            n = body.get("n", 1)
            if not isinstance(n, int) or not 1 <= n <= 10:
                raise BadRequest("n: an integer from 1 to 10", param="n")
            if body.get("response_format", "url") not in ("url", "b64_json"):
                raise BadRequest(
                    "response_format: 'url' or 'b64_json'", param="response_format"
                )
            return body

        return await self._serve(request, "images", parse, rewrite)

    async def image_edits(
        self, request: Request, rewrite: ModelRewrite = None
    ) -> Response:
        """``POST /v1/images/edits`` (multipart: ``image`` or up to 16
        ``image[]``, an optional ``mask``, ``prompt``, ``model``)."""

        async def parse(exchange: Exchange) -> dict[str, Any]:
            if not request.headers.get("content-type", "").startswith(
                "multipart/form-data"
            ):
                raise BadRequest(
                    "send multipart/form-data with 'image', 'prompt' and 'model'",
                    param="image",
                )
            raw = await read_body(request, self._settings.max_body_bytes)
            fields, uploads = await _multipart(request.headers, raw)
            body, images = image_edit_request(fields, uploads)
            payload, manifest = pack(images)
            return {**body, MANIFEST: manifest, "_payload": (payload, "", "")}

        return await self._serve(request, "image_edits", parse, rewrite)

    async def transcriptions(self, request: Request) -> Response:
        """``POST /v1/audio/transcriptions`` (multipart: ``file``, ``model``)."""
        return await self._audio(request, "transcription")

    async def translations(self, request: Request) -> Response:
        """``POST /v1/audio/translations``: the audio's English text."""
        return await self._audio(request, "translation")

    async def _audio(self, request: Request, operation: str) -> Response:
        async def parse(exchange: Exchange) -> dict[str, Any]:
            exchange.units = 0.0
            return await audio_form(request, self._settings.max_audio_bytes)

        return await self._serve(request, operation, parse, None)

    async def moderations(
        self, request: Request, rewrite: ModelRewrite = None
    ) -> Response:
        """``POST /v1/moderations`` (OpenAI's shape)."""

        async def parse(exchange: Exchange) -> dict[str, Any]:
            return moderation_body(await self._json(request))

        return await self._serve(request, "moderations", parse, rewrite)

    async def rerank(self, request: Request, rewrite: ModelRewrite = None) -> Response:
        """``POST /v1/rerank`` and ``/v2/rerank`` (Cohere's shape)."""

        async def parse(exchange: Exchange) -> dict[str, Any]:
            return rerank_body(await self._json(request))

        return await self._serve(request, "rerank", parse, rewrite)

    async def _json(self, request: Request) -> dict[str, Any]:
        return parse_json_object(
            await read_body(request, self._settings.max_body_bytes)
        )

    async def _serve(
        self,
        request: Request,
        operation: str,
        parse: Callable[[Exchange], Any],
        rewrite: ModelRewrite,
        codec: Codec = OPENAI_CHAT,
        shape: AnswerShape | None = None,
        endpoint: str | None = None,
    ) -> Response:
        """Serves one request; ``codec`` is the client's format (the dispatch
        is OpenAI's either way) and ``shape`` turns OpenAI's answer into it."""
        kind = _KINDS.get(operation, operation)
        exchange = open_exchange(request, codec, endpoint, kind)
        return await self._recorder.failures_recorded(
            exchange,
            self._dispatch(request, exchange, operation, parse, rewrite, shape),
        )

    async def _dispatch(
        self,
        request: Request,
        exchange: Exchange,
        operation: str,
        parse: Callable[[Exchange], Any],
        rewrite: ModelRewrite,
        shape: AnswerShape | None,
    ) -> Response:
        body: dict[str, Any] = await parse(exchange)
        payload, payload_type, payload_name = body.pop("_payload", (b"", "", ""))
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise BadRequest("model: a model name is required", param="model")
        if rewrite is not None:
            model = body["model"] = rewrite(model)
        resolved = self._path.resolve(exchange, model)
        if operation == "embeddings" and body.get("input") == []:
            # Nothing to embed: Ollama's "load the model" call (the OpenAI
            # route refuses an empty input before this). No provider is asked.
            self._recorder.record(exchange, 200)
            return Response(
                _NO_EMBEDDINGS if shape is None else shape(_NO_EMBEDDINGS),
                media_type="application/json",
                headers=exchange.headers(),
            )
        await self._path.admit(
            exchange,
            self._estimate(operation, self._path.reachable(resolved), body, payload),
        )
        replies = await self._path.submit(
            exchange,
            resolved,
            dispatch_pb2.Dispatch(
                client_format=OPENAI_CHAT.format.to_proto(),
                body=b"{}",
                client_body=orjson.dumps(body),
                operation=operation,
                payload=payload,
                payload_type=payload_type,
                payload_name=payload_name,
            ),
        )
        answer = await answer_unless_gone(request, exchange, replies)
        self._recorder.record(exchange, 200)
        return Response(
            answer if shape is None else shape(answer),
            media_type="application/json",
            headers=exchange.headers(),
        )

    def _estimate(
        self,
        operation: str,
        targets: list[common_pb2.Target],
        body: dict[str, Any],
        payload: bytes,
    ) -> Estimate:
        """The most ``operation`` can cost, held against the key's budget."""
        prices = self._recorder.prices
        if operation in ("embeddings", "moderations"):
            return spend_estimate.embeddings(prices, targets, body)
        if operation in ("transcription", "translation"):
            return spend_estimate.transcription(prices, targets, payload)
        if operation == "rerank":
            return spend_estimate.rerank(prices, targets, body)
        return spend_estimate.images(prices, targets, body)


async def _multipart(
    headers: Headers, raw: bytes
) -> tuple[dict[str, str], list[Upload]]:
    """The text fields and the files of a multipart body already read."""

    async def chunks() -> AsyncGenerator[bytes, None]:
        yield raw

    parser = MultiPartParser(
        headers,
        chunks(),
        max_files=_MAX_EDIT_IMAGES + 1,
        max_fields=32,
        max_part_size=64 * 1024,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(f"the multipart body is not valid: {exc}") from None
    fields: dict[str, str] = {}
    uploads: list[Upload] = []
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                filename = value.filename or "image"
                uploads.append(Upload(name, filename, value.content_type or "", data))
            else:
                fields.setdefault(name, value)
    finally:
        await form.close()
    return fields, uploads
