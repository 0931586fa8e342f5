"""Client codecs: how the edge speaks each client format.

A codec turns the client's body into a hub request, the executor's answer
into the client's body, and the executor's stream items into the client's
stream frames; the chat pipeline (``chat.py``) is the same for every format.
When the provider spoke the client's own format (pass-through), answers and
frames are the provider's bytes and go out untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from omniroute.errors import GatewayError
from omniroute.wire import openai_chat
from omniroute.wire.errors import error_body
from omniroute.wire.formats import WireFormat
from omniroute.wire.ollama import generate as ollama_generate
from omniroute.wire.ollama import load as ollama_load
from omniroute.wire.registry import translator
from omniroute.wire.responses import response as responses_response
from omniroute.wire.sse import SSE_DONE


class StreamEncoder(Protocol):
    def feed(self, items: list[bytes]) -> bytes: ...

    def finish(self) -> bytes: ...

    def error(self, err: GatewayError) -> bytes: ...


@dataclass(frozen=True, slots=True)
class LocalAnswer:
    """An answer a codec gives itself, without a provider, about ``model``."""

    model: str
    body: bytes


class ClientCodec:
    """A client format other than the hub's: everything goes through the hub."""

    stream_media_type = "text/event-stream"
    # A provider speaking the client's format may be sent the client's body.
    forwards_body = True

    def __init__(self, fmt: WireFormat) -> None:
        self.format = fmt
        self._module = translator(fmt)

    def to_hub(self, body: dict[str, Any]) -> dict[str, Any]:
        hub: dict[str, Any] = self._module.request_to_hub(body)
        return hub

    def model_asked(self, body: dict[str, Any]) -> object:
        """The model the client named, read before (and despite) validation."""
        return body.get("model")

    def response(
        self, body: bytes, model: str, request_id: str, passthrough: bool
    ) -> bytes:
        if passthrough:
            return body
        return orjson.dumps(self._from_hub(orjson.loads(body), model, request_id))

    def _from_hub(
        self, answer: dict[str, Any], model: str, request_id: str
    ) -> dict[str, Any]:
        converted: dict[str, Any] = self._module.response_from_hub(answer, model=model)
        return converted

    def stream_encoder(
        self, hub: dict[str, Any], model: str, request_id: str, passthrough: bool
    ) -> StreamEncoder:
        stream = self._module.StreamFromHub(model=model, request_id=request_id)
        return RawFrames(stream) if passthrough else HubFrames(stream)

    def error_body(self, err: GatewayError) -> dict[str, Any]:
        return error_body(self.format, err)

    def local_answer(self, body: dict[str, Any]) -> LocalAnswer | None:
        """The answer to a request that needs no provider; None for others."""
        return None


class GeminiCodec(ClientCodec):
    """Gemini carries the model and the streaming choice in the URL.

    ``streamGenerateContent?alt=sse`` streams server-sent events; without
    ``alt=sse`` Gemini streams the same responses as one JSON array.
    """

    def __init__(self, model: str, stream: bool, sse: bool = True) -> None:
        super().__init__(WireFormat.GEMINI)
        self._model = model
        self._stream = stream
        self._sse = sse
        if not sse:
            self.stream_media_type = "application/json"

    def to_hub(self, body: dict[str, Any]) -> dict[str, Any]:
        hub: dict[str, Any] = self._module.request_to_hub(
            body, model=self._model, stream=self._stream
        )
        return hub

    def model_asked(self, body: dict[str, Any]) -> object:
        return self._model

    def stream_encoder(
        self, hub: dict[str, Any], model: str, request_id: str, passthrough: bool
    ) -> StreamEncoder:
        events = super().stream_encoder(hub, model, request_id, passthrough)
        return events if self._sse else JsonArrayFrames(events)


class ResponsesCodec(ClientCodec):
    """Responses answers are named ``resp_<request id>``, streamed or not: the
    id a later ``previous_response_id`` names (see ``conversations.py``)."""

    def __init__(self) -> None:
        super().__init__(WireFormat.RESPONSES)

    def _from_hub(
        self, answer: dict[str, Any], model: str, request_id: str
    ) -> dict[str, Any]:
        return responses_response.response_from_hub(
            answer, model=model, request_id=request_id
        )


class OllamaCodec(ClientCodec):
    stream_media_type = "application/x-ndjson"

    def __init__(self) -> None:
        super().__init__(WireFormat.OLLAMA)

    def to_hub(self, body: dict[str, Any]) -> dict[str, Any]:
        # Ollama streams unless asked not to.
        return super().to_hub({**body, "stream": body.get("stream", True)})

    def local_answer(self, body: dict[str, Any]) -> LocalAnswer | None:
        return _local(ollama_load.chat_load(body))


class OllamaGenerateCodec(ClientCodec):
    """Ollama ``/api/generate``, served as a one-turn chat.

    Never passed through: an Ollama provider is asked on its ``/api/chat``,
    and a generate body is not a chat body.
    """

    stream_media_type = "application/x-ndjson"
    forwards_body = False

    def __init__(self) -> None:
        super().__init__(WireFormat.OLLAMA)

    def to_hub(self, body: dict[str, Any]) -> dict[str, Any]:
        return ollama_generate.request_to_hub(body)

    def _from_hub(
        self, answer: dict[str, Any], model: str, request_id: str
    ) -> dict[str, Any]:
        return ollama_generate.response_from_hub(answer, model=model)

    def stream_encoder(
        self, hub: dict[str, Any], model: str, request_id: str, passthrough: bool
    ) -> StreamEncoder:
        return HubFrames(
            ollama_generate.StreamFromHub(model=model, request_id=request_id)
        )

    def local_answer(self, body: dict[str, Any]) -> LocalAnswer | None:
        return _local(ollama_load.generate_load(body))


def _local(answer: dict[str, Any] | None) -> LocalAnswer | None:
    if answer is None:
        return None
    return LocalAnswer(answer["model"], orjson.dumps(answer))


class HubFrames:
    """Hub chunks (JSON items) re-encoded by the format's stream translator."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def feed(self, items: list[bytes]) -> bytes:
        return b"".join(self._stream.feed(orjson.loads(item)) for item in items)

    def finish(self) -> bytes:
        return bytes(self._stream.finish())

    def error(self, err: GatewayError) -> bytes:
        return bytes(self._stream.error(err))


class RawFrames(HubFrames):
    """Pass-through: the provider's frames, untouched; it ends its own stream."""

    def feed(self, items: list[bytes]) -> bytes:
        return b"".join(items)

    def finish(self) -> bytes:
        return b""


class JsonArrayFrames:
    """Server-sent events re-sent as the elements of one JSON array, each as
    soon as its event is complete: ``[`` first, ``,`` between, ``]`` last."""

    def __init__(self, events: StreamEncoder) -> None:
        self._events = events
        self._pending = b""
        self._opened = False

    def feed(self, items: list[bytes]) -> bytes:
        return self._elements(self._events.feed(items))

    def finish(self) -> bytes:
        return self._elements(self._events.finish(), last=True) + self._close()

    def error(self, err: GatewayError) -> bytes:
        return self._elements(self._events.error(err), last=True) + self._close()

    def _elements(self, sse: bytes, last: bool = False) -> bytes:
        self._pending += sse.replace(b"\r\n", b"\n")
        if last:
            self._pending += b"\n\n"
        *events, self._pending = self._pending.split(b"\n\n")
        out = bytearray()
        for event in events:
            data = b"\n".join(
                line[5:].lstrip(b" ")
                for line in event.split(b"\n")
                if line.startswith(b"data:")
            )
            if data:
                out += b",\r\n" if self._opened else b"["
                out += data
                self._opened = True
        return bytes(out)

    def _close(self) -> bytes:
        return b"]" if self._opened else b"[]"


class OpenAIChatCodec:
    """The hub is OpenAI Chat shaped: answers and chunks pass through as bytes."""

    format = WireFormat.OPENAI_CHAT
    stream_media_type = "text/event-stream"
    forwards_body = False  # the hub is this format: its body is the hub request

    def to_hub(self, body: dict[str, Any]) -> dict[str, Any]:
        return openai_chat.request_to_hub(body)

    def model_asked(self, body: dict[str, Any]) -> object:
        return body.get("model")

    def response(
        self, body: bytes, model: str, request_id: str, passthrough: bool
    ) -> bytes:
        return body

    def stream_encoder(
        self, hub: dict[str, Any], model: str, request_id: str, passthrough: bool
    ) -> StreamEncoder:
        options = hub.get("stream_options") or {}
        return OpenAIStreamEncoder(include_usage=bool(options.get("include_usage")))

    def error_body(self, err: GatewayError) -> dict[str, Any]:
        return error_body(WireFormat.OPENAI_CHAT, err)

    def local_answer(self, body: dict[str, Any]) -> LocalAnswer | None:
        return None


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


OPENAI_CHAT = OpenAIChatCodec()
ANTHROPIC = ClientCodec(WireFormat.ANTHROPIC)
RESPONSES = ResponsesCodec()
OLLAMA = OllamaCodec()
OLLAMA_GENERATE = OllamaGenerateCodec()

Codec = ClientCodec | OpenAIChatCodec
