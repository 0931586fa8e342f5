"""Text to speech, streamed: OpenAI-compatible ``/audio/speech`` and
ElevenLabs' ``/v1/text-to-speech/{voice}/stream``.

The audio goes to the client as the provider sends it: each read of the
upstream body is one ``Chunks`` reply of raw bytes, so the first sound
plays before the last is made. Priced per character of input (``units``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import orjson

from services.executor.adapters.base import auth_headers
from services.executor.adapters.openai_chat import openai_error_message
from services.executor.classify import FailureKind, UpstreamFailure, classify_status
from services.executor.config_view import AccountView, ProviderView
from services.executor.upstream import UpstreamSession

# Bytes per upstream read relayed as one reply.
READ_BYTES = 32 * 1024
# ElevenLabs' ``output_format`` for each OpenAI ``response_format`` it can make.
_ELEVENLABS_FORMATS = {
    "mp3": "mp3_44100_128",
    "pcm": "pcm_24000",
    "opus": "opus_48000_64",
}


class Speaker:
    def __init__(self, session: UpstreamSession) -> None:
        self._session = session

    async def speak(
        self,
        provider: ProviderView,
        account: AccountView,
        model: str,
        body: dict[str, Any],
    ) -> AsyncIterator[bytes]:
        """The audio's bytes as they arrive; raises UpstreamFailure before
        the first when the provider refuses."""
        headers = {
            "Content-Type": "application/json",
            **provider.headers,
            **auth_headers(provider.preset.auth, account.credential),
        }
        url, request, params = _upstream_request(provider, model, body)
        async with self._session.request(
            "POST", url, headers=headers, data=orjson.dumps(request), params=params
        ) as response:
            if response.status >= 400:
                raw = await response.read()
                raise classify_status(
                    response.status, openai_error_message(raw), dict(response.headers)
                )
            async for data in response.content.iter_chunked(READ_BYTES):
                yield data


def _upstream_request(
    provider: ProviderView, model: str, body: dict[str, Any]
) -> tuple[str, dict[str, Any], dict[str, str] | None]:
    if provider.preset.kind != "elevenlabs":
        return provider.base_url + "/audio/speech", {**body, "model": model}, None
    fmt = str(body.get("response_format") or "mp3")
    output = _ELEVENLABS_FORMATS.get(fmt)
    if output is None:
        raise UpstreamFailure(
            FailureKind.PROVIDER_SCOPED,
            400,
            f"response_format: ElevenLabs makes {', '.join(_ELEVENLABS_FORMATS)}, "
            f"not '{fmt}'",
        )
    voice = body.get("voice")
    voice_id = str(voice.get("id") if isinstance(voice, dict) else voice)
    request: dict[str, Any] = {"text": body.get("input", ""), "model_id": model}
    if isinstance(body.get("speed"), int | float):
        request["voice_settings"] = {"speed": body["speed"]}
    url = f"{provider.base_url}/v1/text-to-speech/{quote(voice_id, safe='')}/stream"
    return url, request, {"output_format": output}
