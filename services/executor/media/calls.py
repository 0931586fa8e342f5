"""Embeddings, image generation and edits, transcription and translation,
moderations and rerank, as executor operations (speech, which streams, is
``speech.py``).

They ride the same dispatch path as chat (plans, fallback, breakers,
cooldowns); only the upstream call differs. Answers go back whole, in
OpenAI's shape, with the usage and the units (images, audio seconds) that
price them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.uploads import MANIFEST, unpack
from services.executor.adapters.base import auth_headers
from services.executor.classify import FailureKind, UpstreamFailure
from services.executor.config_view import AccountView, ProviderView
from services.executor.media.embeddings import LocalEmbedder, upstream_usage
from services.executor.media.http import send_json
from services.executor.media.rerank import Reranker
from services.executor.media.transcription import Audio, Transcriber
from services.executor.upstream import UpstreamSession

OPERATIONS = frozenset(
    {
        "embeddings",
        "images",
        "image_edits",
        "transcription",
        "translation",
        "moderations",
        "rerank",
    }
)


@dataclass(frozen=True, slots=True)
class MediaAnswer:
    body: bytes
    usage: common_pb2.Usage
    units: float = 0.0


class MediaCalls:
    def __init__(
        self, session: UpstreamSession, transcription_timeout_s: float
    ) -> None:
        self._session = session
        self._local = LocalEmbedder()
        self._transcriber = Transcriber(session, transcription_timeout_s)
        self._reranker = Reranker(session, self._local)

    async def run(
        self,
        dispatch: dispatch_pb2.Dispatch,
        provider: ProviderView,
        account: AccountView,
        model: str,
        body: dict[str, Any],
    ) -> MediaAnswer:
        operation = dispatch.operation
        if operation in ("transcription", "translation"):
            audio = Audio(
                dispatch.payload,
                dispatch.payload_type,
                dispatch.payload_name or "audio",
                str(body.get("language") or ""),
                str(body.get("prompt") or ""),
            )
            transcript = await self._transcriber.transcribe(
                provider, account, model, audio, translate=operation == "translation"
            )
            return MediaAnswer(
                transcript.body(), common_pb2.Usage(), transcript.duration
            )
        if operation == "rerank":
            ranked = await self._reranker.rerank(provider, account, model, body)
            return MediaAnswer(ranked.body, ranked.usage, ranked.search_units)
        if operation == "embeddings" and provider.preset.kind == "local":
            raw, usage = await self._local.embed(model, body)
            return MediaAnswer(raw, usage)
        if provider.preset.kind == "local":
            raise UpstreamFailure(
                FailureKind.CLIENT,
                400,
                "the local provider only serves embeddings and rerank",
            )
        headers = {
            **provider.headers,
            **auth_headers(provider.preset.auth, account.credential),
        }
        if operation == "image_edits":
            answer, raw = await send_json(
                self._session,
                "POST",
                provider.base_url + "/images/edits",
                headers,
                data=_edit_form(dispatch.payload, body, model),
            )
            return MediaAnswer(
                raw, common_pb2.Usage(), float(len(answer.get("data") or ()))
            )
        path = _PATHS[operation]
        answer, raw = await send_json(
            self._session,
            "POST",
            provider.base_url + path,
            {"Content-Type": "application/json", **headers},
            data=orjson.dumps({**body, "model": model}),
        )
        if operation == "embeddings":
            return MediaAnswer(raw, upstream_usage(raw))
        return MediaAnswer(
            raw, common_pb2.Usage(), float(len(answer.get("data") or ()))
        )


_PATHS = {
    "embeddings": "/embeddings",
    "images": "/images/generations",
    "moderations": "/moderations",
}


def _edit_form(payload: bytes, body: dict[str, Any], model: str) -> aiohttp.FormData:
    """OpenAI's ``/images/edits`` multipart form: the client's text fields
    with this target's model, and its files under their own field names."""
    fields = {k: v for k, v in body.items() if k not in (MANIFEST, "model")}
    try:
        files = unpack(payload, body.get(MANIFEST))
    except (ValueError, KeyError, TypeError):
        raise UpstreamFailure(
            FailureKind.CLIENT, 400, "the image edit's files did not arrive whole"
        ) from None
    form = aiohttp.FormData()
    form.add_field("model", model)
    for name, value in fields.items():
        form.add_field(name, str(value))
    for upload in files:
        form.add_field(
            upload.field,
            upload.data,
            filename=upload.filename,
            content_type=upload.content_type,
        )
    return form
