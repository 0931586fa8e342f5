"""OpenAI-compatible Chat Completions upstreams (OpenAI, Groq, vLLM, ...).

The hub format is OpenAI Chat shaped, so requests and stream chunks pass
through with the model name replaced; the adapter's work is usage metering
(always ask for stream usage) and telling a finished stream from a broken one.
"""

from __future__ import annotations

from typing import Any

import orjson

from omniroute.common.v1 import common_pb2
from omniroute.wire import openai_chat
from omniroute.wire.formats import WireFormat
from omniroute.wire.sse import SSEDecoder
from omniroute.wire.usage_proto import usage_from_hub
from services.executor.adapters.base import (
    UpstreamRequest,
    UpstreamResponse,
    auth_headers,
)
from services.executor.classify import FailureKind, UpstreamFailure
from services.executor.config_view import AccountView, ProviderView


def openai_error_message(raw: bytes) -> str:
    """The human message inside an OpenAI-style error body."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        text = raw.decode("utf-8", errors="replace").strip()
        return text[:500] or "empty error body"
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            detail = error.get("detail")
            if isinstance(detail, dict):  # ElevenLabs: {"detail": {"message"}}
                detail = detail.get("message") or detail
            return str(error.get("message") or detail or error)[:2000]
        return str(error)[:2000]
    return str(body)[:2000]


class OpenAIChatAdapter:
    format = WireFormat.OPENAI_CHAT

    def build_request(
        self,
        provider: ProviderView,
        account: AccountView,
        model: str,
        body: dict[str, Any],
        stream: bool,
        client_body: dict[str, Any] | None = None,
    ) -> UpstreamRequest:
        # The hub is this format, so there is no separate pass-through path.
        upstream = openai_chat.request_from_hub({**body, "stream": stream}, model=model)
        if provider.preset.extra_params:
            # Self-hosted servers (vLLM, llama.cpp, ...) accept extra sampling
            # knobs OpenAI does not; keep what the client sent.
            for key, value in body.items():
                upstream.setdefault(key, value)
            upstream.pop("thinking_budget", None)
            upstream.pop("cached_content", None)  # a Gemini cache's name
        if not (stream and provider.preset.stream_usage_option):
            upstream.pop("stream_options", None)
        return UpstreamRequest(
            url=f"{provider.base_url}/chat/completions",
            headers={
                "Content-Type": "application/json",
                **provider.headers,
                **auth_headers(provider.preset.auth, account.credential),
            },
            body=orjson.dumps(upstream),
            model=model,
        )

    def parse_response(self, raw: bytes, request: UpstreamRequest) -> UpstreamResponse:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise UpstreamFailure(
                FailureKind.SERVER, 200, "the provider answered with invalid JSON"
            ) from None
        if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
            raise UpstreamFailure(
                FailureKind.SERVER, 200, "the provider's answer has no choices"
            )
        choices = body["choices"]
        finish = str(choices[0].get("finish_reason") or "") if choices else ""
        return UpstreamResponse(raw, usage_from_hub(body.get("usage")), finish)

    def stream_reader(self, request: UpstreamRequest) -> OpenAIStreamReader:
        return OpenAIStreamReader()

    def error_message(self, raw: bytes) -> str:
        return openai_error_message(raw)


class OpenAIStreamReader:
    """SSE ``data:`` payloads are hub chunks already; forward them as they are."""

    def __init__(self) -> None:
        self._decoder = SSEDecoder()
        self.usage: common_pb2.Usage | None = None
        self.finish_reason = ""
        self.completed = False

    def feed(self, data: bytes) -> list[bytes]:
        return self._items(self._decoder.feed(data))

    def finish(self) -> list[bytes]:
        items = self._items(self._decoder.flush())
        # Some OpenAI-compatible servers omit [DONE]; a finish reason is proof
        # enough that the answer is whole.
        self.completed = self.completed or bool(self.finish_reason)
        return items

    def _items(self, events: list[Any]) -> list[bytes]:
        items: list[bytes] = []
        for event in events:
            if event.data == "[DONE]":
                self.completed = True
                continue
            if not event.data:
                continue
            payload = event.data.encode()
            try:
                chunk = orjson.loads(payload)
            except orjson.JSONDecodeError:
                raise UpstreamFailure(
                    FailureKind.SERVER,
                    200,
                    "the provider sent a malformed stream event",
                ) from None
            if not isinstance(chunk, dict):
                continue
            if "error" in chunk:
                raise UpstreamFailure(
                    FailureKind.SERVER, 200, openai_error_message(payload)
                )
            if chunk.get("usage"):
                self.usage = usage_from_hub(chunk["usage"])
            for choice in chunk.get("choices") or ():
                if choice.get("finish_reason"):
                    self.finish_reason = str(choice["finish_reason"])
            items.append(payload)
        return items
