"""Ollama NDJSON chat streams to and from the hub.

Each line is a chat response object; content arrives in ``message.content``
(and ``message.thinking``) fragments with ``done: false``; tool calls arrive
whole; the last line has ``done: true``, ``done_reason`` and token counts.
"""

from __future__ import annotations

from typing import Any

from omniroute.errors import GatewayError
from omniroute.wire import hub
from omniroute.wire.chunks import ChunkWriter
from omniroute.wire.errors import error_from_body, ollama_error_body
from omniroute.wire.formats import WireFormat
from omniroute.wire.ollama.response import (
    done_reason_to_hub,
    final_fields,
    timestamp,
    tool_calls_from_hub,
    tool_calls_to_hub,
    usage_to_hub,
)
from omniroute.wire.reasoning import ThinkTagSplitter

Json = dict[str, Any]


class StreamFromHub:
    """Writes hub chunks to an Ollama client as NDJSON lines.

    Tool calls are sent once complete, on the line before the final one,
    because Ollama tool-call arguments are whole JSON objects.
    """

    def __init__(self, *, model: str, request_id: str) -> None:
        self.model = model
        self.request_id = request_id
        self._closed = False
        self._calls: dict[int, Json] = {}
        self._finish: str | None = None
        self._usage: Json | None = None

    def _line(self, message: Json, **fields: Any) -> bytes:
        body = {
            "model": self.model,
            "created_at": timestamp(),
            "message": {"role": "assistant", "content": "", **message},
            **fields,
        }
        return (hub.dumps(body) + "\n").encode()

    def feed(self, chunk: Json) -> bytes:
        """The NDJSON lines for one hub chunk (b"" when nothing is due)."""
        if self._closed:
            return b""
        out = b""
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("reasoning_content"):
                out += self._line({"thinking": delta["reasoning_content"]}, done=False)
            if delta.get("content"):
                out += self._line({"content": delta["content"]}, done=False)
            for call in delta.get("tool_calls") or []:
                self._collect(call)
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
                out += self._flush_calls()
        if chunk.get("usage"):
            self._usage = chunk["usage"]
            if not chunk.get("choices"):
                out += self._end()
        return out

    def _collect(self, call: Json) -> None:
        slot = self._calls.setdefault(
            call.get("index", 0), {"id": "", "name": "", "arguments": ""}
        )
        function = call.get("function") or {}
        slot["id"] = slot["id"] or call.get("id") or ""
        slot["name"] = slot["name"] or function.get("name") or ""
        slot["arguments"] += function.get("arguments") or ""

    def _flush_calls(self) -> bytes:
        if not self._calls:
            return b""
        calls = [
            hub.tool_call(s["id"], s["name"], s["arguments"])
            for _, s in sorted(self._calls.items())
        ]
        self._calls = {}
        return self._line({"tool_calls": tool_calls_from_hub(calls)}, done=False)

    def _end(self) -> bytes:
        self._closed = True
        return self._flush_calls() + self._line(
            {}, **final_fields(self._finish, self._usage)
        )

    def finish(self) -> bytes:
        """The final ``done: true`` line, once."""
        return b"" if self._closed else self._end()

    def error(self, err: GatewayError) -> bytes:
        """An ``{"error": ...}`` line; the stream is over after it."""
        if self._closed:
            return b""
        self._closed = True
        return (hub.dumps(ollama_error_body(err)) + "\n").encode()


class StreamToHub:
    """Turns an Ollama provider's NDJSON lines into hub chunks."""

    def __init__(self, *, model: str) -> None:
        self._writer = ChunkWriter(model=model)
        self._think = ThinkTagSplitter()

    @property
    def usage(self) -> Json | None:
        """The hub usage (None until the ``done: true`` line)."""
        return self._writer.usage

    def feed(self, data: Json, event: str | None = None) -> list[Json]:
        """Hub chunks for one NDJSON line."""
        if "error" in data:
            raise error_from_body(WireFormat.OLLAMA, data)
        message = data.get("message") or {}
        out = self._writer.reasoning(message.get("thinking") or "")
        thought, text = self._think.feed(message.get("content") or "")
        out += self._writer.reasoning(thought) + self._writer.text(text)
        for call in tool_calls_to_hub(message.get("tool_calls")):
            function = call["function"]
            _, chunks = self._writer.tool_start(
                call["id"], function["name"], function["arguments"]
            )
            out += chunks
        if data.get("done"):
            out += self._flush()
            self._writer.usage = usage_to_hub(data)
            reason = done_reason_to_hub(data.get("done_reason"), False)
            out += self._writer.finish(reason) + self._writer.end()
        return out

    def _flush(self) -> list[Json]:
        thought, text = self._think.flush()
        return self._writer.reasoning(thought) + self._writer.text(text)

    def finish(self) -> list[Json]:
        """Closing hub chunks for a stream that ended, cleanly or not."""
        return self._flush() + self._writer.end()
