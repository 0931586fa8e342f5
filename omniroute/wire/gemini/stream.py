"""Gemini streams (``streamGenerateContent?alt=sse``) to and from the hub.

Each SSE ``data:`` is a whole ``GenerateContentResponse`` holding the next
parts; the last one carries ``finishReason`` and the final
``usageMetadata``. There is no ``[DONE]``: the stream just ends. Function
calls arrive whole, never as argument fragments.
"""

from __future__ import annotations

from typing import Any

from omniroute.errors import GatewayError
from omniroute.wire import hub
from omniroute.wire.chunks import ChunkWriter
from omniroute.wire.errors import error_from_body, gemini_error_body
from omniroute.wire.formats import WireFormat
from omniroute.wire.gemini.request import field
from omniroute.wire.gemini.response import (
    candidate,
    finish_from_hub,
    finish_to_hub,
    function_call_part,
    parts_to_hub,
    usage_from_hub,
    usage_to_hub,
)
from omniroute.wire.sse import encode_sse

Json = dict[str, Any]


class StreamFromHub:
    """Writes hub chunks to a Gemini client as SSE ``GenerateContentResponse``s.

    Tool-call arguments are collected until the call is complete, because a
    Gemini ``functionCall`` part carries its arguments as one object.
    """

    def __init__(self, *, model: str, request_id: str) -> None:
        self.model = model
        self.id = request_id
        self._closed = False
        self._calls: dict[int, Json] = {}
        self._finish: str | None = None
        self._usage: Json | None = None

    def _frame(self, parts: list[Json], final: bool = False) -> bytes:
        body: Json = {
            "candidates": [
                candidate(parts, finish_from_hub(self._finish) if final else None)
            ],
            "modelVersion": self.model,
            "responseId": self.id,
        }
        if final:
            body["usageMetadata"] = usage_from_hub(self._usage)
        return encode_sse(hub.dumps(body))

    def feed(self, chunk: Json) -> bytes:
        """The SSE frame for one hub chunk (b"" when nothing is due)."""
        if self._closed:
            return b""
        parts: list[Json] = []
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("reasoning_content"):
                parts.append({"text": delta["reasoning_content"], "thought": True})
            if delta.get("content"):
                parts.append({"text": delta["content"]})
            for call in delta.get("tool_calls") or []:
                self._collect(call)
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
        out = self._frame(parts) if parts else b""
        if chunk.get("usage"):
            self._usage = chunk["usage"]
            if not chunk.get("choices"):
                out += self._end()
        return out

    def _collect(self, call: Json) -> None:
        slot = self._calls.setdefault(
            call.get("index", 0), {"id": "", "name": "", "arguments": "", "extra": None}
        )
        function = call.get("function") or {}
        slot["id"] = slot["id"] or call.get("id") or ""
        slot["name"] = slot["name"] or function.get("name") or ""
        slot["arguments"] += function.get("arguments") or ""
        slot["extra"] = slot["extra"] or call.get("extra_content")

    def _end(self) -> bytes:
        self._closed = True
        parts = [
            function_call_part(
                hub.tool_call(s["id"], s["name"], s["arguments"], s["extra"])
            )
            for _, s in sorted(self._calls.items())
        ]
        return self._frame(parts, final=True)

    def finish(self) -> bytes:
        """The final frame (finish reason, usage) if not sent yet."""
        return b"" if self._closed else self._end()

    def error(self, err: GatewayError) -> bytes:
        """A Gemini error object as the last frame."""
        if self._closed:
            return b""
        self._closed = True
        return encode_sse(hub.dumps(gemini_error_body(err)))


class StreamToHub:
    """Turns a Gemini provider's stream into hub chunks."""

    def __init__(self, *, model: str) -> None:
        self._writer = ChunkWriter(model=model)
        self._seen_id = False

    @property
    def usage(self) -> Json | None:
        """The latest hub usage (Gemini repeats it, growing, on every chunk)."""
        return self._writer.usage

    def feed(self, data: Json, event: str | None = None) -> list[Json]:
        """Hub chunks for one ``GenerateContentResponse``."""
        if "error" in data:
            raise error_from_body(WireFormat.GEMINI, data)
        if not self._seen_id and field(data, "responseId"):
            self._writer.id = str(field(data, "responseId"))
        self._seen_id = True
        usage = usage_to_hub(field(data, "usageMetadata"))
        if usage is not None:
            self._writer.usage = usage
        candidates = data.get("candidates") or []
        if not candidates:
            if field(field(data, "promptFeedback"), "blockReason"):
                return self._writer.finish("content_filter")
            return []
        first = candidates[0]
        text, thought, calls = parts_to_hub(field(first.get("content"), "parts"))
        out = self._writer.reasoning(thought) + self._writer.text(text)
        for call in calls:
            function = call["function"]
            _, chunks = self._writer.tool_start(
                call["id"],
                function["name"],
                function["arguments"],
                call.get("extra_content"),
            )
            out += chunks
        reason = finish_to_hub(field(first, "finishReason"))
        if reason is not None:
            out += self._writer.finish(reason)
        return out

    def finish(self) -> list[Json]:
        """Closing hub chunks: finish if missing, then usage."""
        return self._writer.end()
