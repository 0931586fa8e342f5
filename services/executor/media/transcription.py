"""Speech to text: Deepgram, AssemblyAI and OpenAI-compatible whisper servers.

Every answer is normalised to ``{text, task, language, duration}``. AssemblyAI
works asynchronously (upload, submit, poll); the polling runs inside the
request's own task under a timeout, so a job that never finishes ends in a
504 and leaves nothing running behind.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from services.executor.adapters.base import auth_headers
from services.executor.classify import FailureKind, UpstreamFailure
from services.executor.config_view import AccountView, ProviderView
from services.executor.failures import as_failure
from services.executor.media.http import send_json
from services.executor.upstream import UpstreamSession

_POLL_START_S = 0.25
_POLL_MAX_S = 2.0


@dataclass(frozen=True, slots=True)
class Audio:
    data: bytes
    content_type: str
    filename: str
    language: str = ""
    prompt: str = ""


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    language: str
    duration: float
    task: str = "transcribe"

    def body(self) -> bytes:
        return orjson.dumps(
            {
                "text": self.text,
                "task": self.task,
                "language": self.language,
                "duration": self.duration,
            }
        )


class Transcriber:
    def __init__(self, session: UpstreamSession, timeout_s: float) -> None:
        self._session = session
        self.timeout_s = timeout_s

    async def transcribe(
        self,
        provider: ProviderView,
        account: AccountView,
        model: str,
        audio: Audio,
        *,
        translate: bool = False,
    ) -> Transcript:
        """The audio's text, or (``translate``) its English translation,
        which only OpenAI-compatible whisper servers make."""
        kind = provider.preset.kind
        if translate and kind in ("deepgram", "assemblyai"):
            raise UpstreamFailure(
                FailureKind.PROVIDER_SCOPED,
                400,
                f"{provider.id} transcribes but does not translate audio",
            )
        headers = {
            **provider.headers,
            **auth_headers(provider.preset.auth, account.credential),
        }
        try:
            async with asyncio.timeout(self.timeout_s):
                if kind == "deepgram":
                    return await self._deepgram(provider, headers, model, audio)
                if kind == "assemblyai":
                    return await self._assemblyai(provider, headers, model, audio)
                return await self._whisper(provider, headers, model, audio, translate)
        except TimeoutError as exc:
            raise as_failure(
                exc,
                timeout=f"{provider.id} did not finish the transcription within "
                f"{self.timeout_s:g}s",
            ) from None

    async def _deepgram(
        self, provider: ProviderView, headers: dict[str, str], model: str, audio: Audio
    ) -> Transcript:
        params = {"model": model, "smart_format": "true", "punctuate": "true"}
        if audio.language:
            params["language"] = audio.language
        else:
            params["detect_language"] = "true"
        body = await self._send(
            "POST",
            f"{provider.base_url}/v1/listen",
            {**headers, "Content-Type": audio.content_type},
            data=audio.data,
            params=params,
        )
        channel = (body.get("results") or {}).get("channels", [{}])[0]
        alternative = (channel.get("alternatives") or [{}])[0]
        return Transcript(
            text=str(alternative.get("transcript", "")),
            language=str(channel.get("detected_language") or audio.language or ""),
            duration=float((body.get("metadata") or {}).get("duration") or 0.0),
        )

    async def _assemblyai(
        self, provider: ProviderView, headers: dict[str, str], model: str, audio: Audio
    ) -> Transcript:
        base = provider.base_url
        upload = await self._send(
            "POST",
            f"{base}/v2/upload",
            {**headers, "Content-Type": "application/octet-stream"},
            data=audio.data,
        )
        job: dict[str, Any] = {"audio_url": upload["upload_url"], "speech_model": model}
        if audio.language:
            job["language_code"] = audio.language
        else:
            job["language_detection"] = True
        submitted = await self._send(
            "POST",
            f"{base}/v2/transcript",
            headers,
            data=orjson.dumps(job),
            json_body=True,
        )
        delay = _POLL_START_S
        while True:
            status = await self._send(
                "GET", f"{base}/v2/transcript/{submitted['id']}", headers
            )
            state = status.get("status")
            if state == "completed":
                return Transcript(
                    text=str(status.get("text") or ""),
                    language=str(status.get("language_code") or ""),
                    duration=float(status.get("audio_duration") or 0.0),
                )
            if state == "error":
                raise UpstreamFailure(
                    FailureKind.CLIENT,
                    400,
                    f"{provider.id} could not transcribe the audio: "
                    f"{status.get('error')}",
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, _POLL_MAX_S)

    async def _whisper(
        self,
        provider: ProviderView,
        headers: dict[str, str],
        model: str,
        audio: Audio,
        translate: bool = False,
    ) -> Transcript:
        form = aiohttp.FormData()
        form.add_field(
            "file", audio.data, filename=audio.filename, content_type=audio.content_type
        )
        form.add_field("model", model)
        form.add_field("response_format", "verbose_json")
        if audio.language and not translate:
            form.add_field("language", audio.language)
        if audio.prompt:
            form.add_field("prompt", audio.prompt)
        task = "translations" if translate else "transcriptions"
        body = await self._send(
            "POST", f"{provider.base_url}/audio/{task}", headers, data=form
        )
        return Transcript(
            text=str(body.get("text", "")),
            language=str(body.get("language") or audio.language or ""),
            duration=float(body.get("duration") or 0.0),
            task="translate" if translate else "transcribe",
        )

    async def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        data: Any = None,
        params: dict[str, str] | None = None,
        json_body: bool = False,
    ) -> dict[str, Any]:
        if json_body:
            headers = {**headers, "Content-Type": "application/json"}
        body, _ = await send_json(
            self._session, method, url, headers, data=data, params=params
        )
        return body
