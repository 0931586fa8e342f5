"""Adapters for providers that speak a format other than the hub's.

Anthropic Messages, Gemini, Ollama and the Responses API: requests go out in
the provider's format (translated from the hub, or — same-format
pass-through — the client's own body with the model replaced), answers come
back as hub JSON or, in pass-through, as the provider's own bytes. Usage is
always read with the format's translator, so metering never depends on the
client's format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from omniroute.common.v1 import common_pb2
from omniroute.errors import GatewayError
from omniroute.wire.errors import error_from_body
from omniroute.wire.formats import WireFormat
from omniroute.wire.registry import translator
from omniroute.wire.sse import NDJSONDecoder, SSEDecoder, encode_sse
from omniroute.wire.usage_proto import usage_from_hub
from services.executor.adapters.base import (
    UpstreamRequest,
    UpstreamResponse,
    auth_headers,
)
from services.executor.classify import FailureKind, UpstreamFailure, classify_status
from services.executor.config_view import AccountView, ProviderView

PathBuilder = Callable[[str, bool], str]


class TranslatingAdapter:
    def __init__(
        self,
        fmt: WireFormat,
        path: PathBuilder,
        ndjson: bool = False,
        stream_flag_in_body: bool = True,
    ) -> None:
        self.format = fmt
        self._module = translator(fmt)
        self._path = path
        self._ndjson = ndjson
        self._stream_flag_in_body = stream_flag_in_body

    def build_request(
        self,
        provider: ProviderView,
        account: AccountView,
        model: str,
        body: dict[str, Any],
        stream: bool,
        client_body: dict[str, Any] | None = None,
    ) -> UpstreamRequest:
        if client_body is not None:
            upstream = dict(client_body)
            if "model" in upstream or self._stream_flag_in_body:
                upstream["model"] = model
        else:
            upstream = self._module.request_from_hub(body, model=model)
        if self._stream_flag_in_body:
            upstream["stream"] = stream
        return UpstreamRequest(
            url=provider.base_url + self._path(model, stream),
            headers={
                "Content-Type": "application/json",
                **provider.headers,
                **auth_headers(provider.preset.auth, account.credential),
            },
            body=orjson.dumps(upstream),
            model=model,
            passthrough=client_body is not None,
        )

    def parse_response(self, raw: bytes, request: UpstreamRequest) -> UpstreamResponse:
        try:
            body = orjson.loads(raw)
            hub = self._module.response_to_hub(body, model=request.model)
        except (orjson.JSONDecodeError, GatewayError, KeyError, TypeError, ValueError):
            raise UpstreamFailure(
                FailureKind.SERVER, 200, "the provider's answer could not be read"
            ) from None
        choices = hub.get("choices") or [{}]
        finish = str(choices[0].get("finish_reason") or "")
        usage = usage_from_hub(hub.get("usage"))
        answer = raw if request.passthrough else orjson.dumps(hub)
        return UpstreamResponse(answer, usage, finish)

    def stream_reader(self, request: UpstreamRequest) -> FormatStreamReader:
        to_hub = self._module.StreamToHub(model=request.model)
        return FormatStreamReader(to_hub, self._ndjson, request.passthrough)

    def error_message(self, raw: bytes) -> str:
        try:
            return error_from_body(self.format, orjson.loads(raw)).message
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
            return (
                raw.decode("utf-8", errors="replace").strip()[:500]
                or "empty error body"
            )


class FormatStreamReader:
    """Provider stream bytes to items for the edge (hub chunks or raw frames)."""

    def __init__(self, to_hub: Any, ndjson: bool, passthrough: bool) -> None:
        self._to_hub = to_hub
        self._passthrough = passthrough
        self._sse = None if ndjson else SSEDecoder()
        self._lines = NDJSONDecoder() if ndjson else None
        self.usage: common_pb2.Usage | None = None
        self.finish_reason = ""
        self.completed = False

    def feed(self, data: bytes) -> list[bytes]:
        items: list[bytes] = []
        if self._sse is not None:
            for event in self._sse.feed(data):
                self._event(event.data, event.event, items)
        else:
            assert self._lines is not None
            for line in self._lines.feed(data):
                self._event(line.decode(), None, items, raw=line + b"\n")
        return items

    def finish(self) -> list[bytes]:
        items: list[bytes] = []
        if self._sse is not None:
            for event in self._sse.flush():
                self._event(event.data, event.event, items)
        else:
            assert self._lines is not None
            for line in self._lines.flush():
                self._event(line.decode(), None, items, raw=line + b"\n")
        # A finish reason before the stream ended means the answer is whole;
        # finish() below only fills in what a sloppy provider left out.
        self.completed = bool(self.finish_reason)
        self._chunks(self._to_hub.finish(), items)
        self.usage = usage_from_hub(self._to_hub.usage) if self._to_hub.usage else None
        return items

    def _event(
        self, data: str, event: str | None, items: list[bytes], raw: bytes | None = None
    ) -> None:
        if not data or data == "[DONE]":
            return
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise UpstreamFailure(
                FailureKind.SERVER, 200, "the provider sent a malformed stream event"
            ) from None
        try:
            chunks = self._to_hub.feed(payload, event)
        except GatewayError as err:
            raise classify_status(err.status, err.message) from None
        if self._passthrough:
            items.append(raw if raw is not None else encode_sse(data, event))
        self._chunks(chunks, items)

    def _chunks(self, chunks: list[dict[str, Any]], items: list[bytes]) -> None:
        for chunk in chunks:
            for choice in chunk.get("choices") or ():
                if choice.get("finish_reason"):
                    self.finish_reason = str(choice["finish_reason"])
            if chunk.get("usage"):
                self.usage = usage_from_hub(chunk["usage"])
            if not self._passthrough:
                items.append(orjson.dumps(chunk))


def anthropic_adapter() -> TranslatingAdapter:
    return TranslatingAdapter(WireFormat.ANTHROPIC, lambda model, stream: "/messages")


def responses_adapter() -> TranslatingAdapter:
    return TranslatingAdapter(WireFormat.RESPONSES, lambda model, stream: "/responses")


def ollama_adapter() -> TranslatingAdapter:
    # Ollama streams unless told not to, so the flag is always sent.
    return TranslatingAdapter(
        WireFormat.OLLAMA, lambda model, stream: "/api/chat", ndjson=True
    )


def gemini_adapter() -> TranslatingAdapter:
    def path(model: str, stream: bool) -> str:
        action = "streamGenerateContent?alt=sse" if stream else "generateContent"
        return f"/models/{model}:{action}"

    return TranslatingAdapter(WireFormat.GEMINI, path, stream_flag_in_body=False)
