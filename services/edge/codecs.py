"""Client codecs: how the edge speaks each client format.

A codec turns the client's body into a hub request, the executor's answer
into the client's body, and the executor's stream items into the client's
stream frames. The chat pipeline (``chat.py``) is the same for every format.
"""

from __future__ import annotations

from typing import Any, Protocol

import orjson

from omniroute.errors import GatewayError
from omniroute.wire import openai_chat
from omniroute.wire.errors import error_body
from omniroute.wire.formats import WireFormat
from omniroute.wire.sse import SSE_DONE


class StreamEncoder(Protocol):
    def feed(self, items: list[bytes]) -> bytes: ...

    def finish(self) -> bytes: ...

    def error(self, err: GatewayError) -> bytes: ...


class ClientCodec(Protocol):
    format: WireFormat
    stream_media_type: str

    def to_hub(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def response(self, hub_body: bytes, model: str) -> bytes: ...

    def stream_encoder(
        self, hub_request: dict[str, Any], model: str, request_id: str
    ) -> StreamEncoder: ...

    def error_body(self, err: GatewayError) -> dict[str, Any]: ...


class OpenAIChatCodec:
    """The hub is OpenAI Chat shaped: answers and chunks pass through as bytes."""

    format = WireFormat.OPENAI_CHAT
    stream_media_type = "text/event-stream"

    def to_hub(self, body: dict[str, Any]) -> dict[str, Any]:
        return openai_chat.request_to_hub(body)

    def response(self, hub_body: bytes, model: str) -> bytes:
        return hub_body

    def stream_encoder(
        self, hub_request: dict[str, Any], model: str, request_id: str
    ) -> StreamEncoder:
        options = hub_request.get("stream_options") or {}
        return OpenAIStreamEncoder(include_usage=bool(options.get("include_usage")))

    def error_body(self, err: GatewayError) -> dict[str, Any]:
        return error_body(WireFormat.OPENAI_CHAT, err)


class OpenAIStreamEncoder:
    def __init__(self, include_usage: bool) -> None:
        self._include_usage = include_usage

    def feed(self, items: list[bytes]) -> bytes:
        return b"".join(
            b"data: " + item + b"\n\n" for item in items if self._wanted(item)
        )

    def _wanted(self, item: bytes) -> bool:
        # The executor always asks the provider for usage (for metering); the
        # usage-only chunk goes to the client only if it asked for it.
        if self._include_usage or b'"usage"' not in item:
            return True
        chunk = orjson.loads(item)
        return bool(chunk.get("choices")) or not chunk.get("usage")

    def finish(self) -> bytes:
        return SSE_DONE

    def error(self, err: GatewayError) -> bytes:
        body = error_body(WireFormat.OPENAI_CHAT, err)
        return b"data: " + orjson.dumps(body) + b"\n\n"
