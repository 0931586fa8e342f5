"""OpenAI Chat Completions streams: hub chunks to SSE, provider chunks to hub."""

from __future__ import annotations

from typing import Any

from omniroute.errors import GatewayError
from omniroute.wire import hub
from omniroute.wire.chunks import ChunkWriter
from omniroute.wire.errors import error_from_body, openai_error_body
from omniroute.wire.formats import WireFormat
from omniroute.wire.openai_chat.response import finish_to_hub
from omniroute.wire.reasoning import ThinkTagSplitter
from omniroute.wire.sse import SSE_DONE, encode_sse

Json = dict[str, Any]


class StreamFromHub:
    """Writes hub chunks to an OpenAI Chat client as SSE.

    ``include_usage`` mirrors the client's ``stream_options.include_usage``:
    OpenAI sends the final usage chunk (with empty ``choices``) only when it
    was asked for, and some clients index ``choices[0]`` on every chunk.
    """

    def __init__(
        self, *, model: str, request_id: str, include_usage: bool = True
    ) -> None:
        self.model = model
        self.id = hub.with_prefix(request_id, "chatcmpl-")
        self.include_usage = include_usage
        self._closed = False

    def _frame(self, chunk: Json) -> bytes:
        return encode_sse(hub.dumps({**chunk, "id": self.id, "model": self.model}))

    def feed(self, chunk: Json) -> bytes:
        """The SSE frame for one hub chunk (b"" when nothing is due)."""
        if self._closed:
            return b""
        if not chunk.get("choices"):
            if chunk.get("usage") and self.include_usage:
                return self._frame(chunk)
            return b""
        choices = []
        for choice in chunk["choices"]:
            raw = choice.get("delta") or {}
            delta = {k: v for k, v in raw.items() if k != "reasoning_signature"}
            if delta or not raw or choice.get("finish_reason"):
                choices.append({**choice, "delta": delta})
        if not choices:
            return b""  # only an Anthropic signature, which OpenAI clients lack
        frame = {key: value for key, value in chunk.items() if key != "usage"}
        return self._frame({**frame, "choices": choices})

    def finish(self) -> bytes:
        """``data: [DONE]``, once."""
        if self._closed:
            return b""
        self._closed = True
        return SSE_DONE

    def error(self, err: GatewayError) -> bytes:
        """An OpenAI error frame; the stream is over after it."""
        if self._closed:
            return b""
        self._closed = True
        return encode_sse(hub.dumps(openai_error_body(err)))


class StreamToHub:
    """Normalises an OpenAI-compatible provider's chunks into hub chunks.

    Compatible servers differ: reasoning as ``reasoning`` or inline
    ``<think>`` tags, tool calls without ``index`` or with the name after the
    id, usage attached to the finish chunk. The hub stream is uniform.
    """

    def __init__(self, *, model: str) -> None:
        self._writer = ChunkWriter(model=model)
        self._think = ThinkTagSplitter()
        self._seen_id = False
        # provider tool index -> hub index, or the call still waiting for its name
        self._tools: dict[int, int] = {}
        self._pending: dict[int, Json] = {}
        self._last_index = -1

    @property
    def usage(self) -> Json | None:
        """The hub usage reported so far (None until the provider sends it)."""
        return self._writer.usage

    def feed(self, data: Json, event: str | None = None) -> list[Json]:
        """Hub chunks for one provider chunk."""
        if "error" in data:
            raise error_from_body(WireFormat.OPENAI_CHAT, data)
        if not self._seen_id and data.get("id"):
            self._writer.id = str(data["id"])
        self._seen_id = True
        if data.get("usage"):
            self._writer.usage = hub.normalize_usage(data["usage"])
        choices = data.get("choices") or []
        if not choices:
            return self.finish() if data.get("usage") else []
        choice = choices[0]
        out = self._delta(choice.get("delta") or {})
        reason = finish_to_hub(choice.get("finish_reason"))
        if reason is not None:
            out += self._flush()
            out += self._writer.finish(reason)
        return out

    def _delta(self, delta: Json) -> list[Json]:
        out: list[Json] = []
        thought = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(thought, str):
            out += self._writer.reasoning(thought)
        if delta.get("reasoning_signature"):
            out += self._writer.signature(delta["reasoning_signature"])
        if isinstance(delta.get("content"), str):
            thought, text = self._think.feed(delta["content"])
            out += self._writer.reasoning(thought) + self._writer.text(text)
        for call in delta.get("tool_calls") or []:
            out += self._tool_delta(call)
        if delta.get("role") and not out:
            out += self._writer.start()
        return out

    def _tool_delta(self, call: Json) -> list[Json]:
        index = call.get("index")
        if not isinstance(index, int):
            # No index: a call with an id starts a new one, otherwise it
            # continues the last call.
            index = self._last_index + (1 if call.get("id") else 0)
        self._last_index = max(self._last_index, index)
        function = call.get("function") or {}
        arguments = function.get("arguments") or ""
        if not isinstance(arguments, str):
            arguments = hub.dumps(arguments)
        if index in self._tools:
            return self._writer.tool_arguments(self._tools[index], arguments)
        pending = self._pending.setdefault(
            index, {"id": "", "name": "", "arguments": "", "extra": None}
        )
        pending["id"] = pending["id"] or call.get("id") or ""
        pending["name"] = pending["name"] or function.get("name") or ""
        pending["arguments"] += arguments
        pending["extra"] = pending["extra"] or call.get("extra_content")
        return self._start_tool(index) if pending["name"] else []

    def _start_tool(self, index: int) -> list[Json]:
        pending = self._pending.pop(index)
        hub_index, out = self._writer.tool_start(
            pending["id"], pending["name"], pending["arguments"], pending["extra"]
        )
        self._tools[index] = hub_index
        return out

    def _flush(self) -> list[Json]:
        thought, text = self._think.flush()
        out = self._writer.reasoning(thought) + self._writer.text(text)
        for index in sorted(self._pending):
            out += self._start_tool(index)
        return out

    def finish(self) -> list[Json]:
        """Closing hub chunks (finish and usage) that were not sent yet."""
        return self._flush() + self._writer.end()
