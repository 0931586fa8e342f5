"""Anthropic Messages streams: hub chunks to SSE events, provider events to hub.

An Anthropic stream is ``message_start``, then content blocks (each
``content_block_start``, deltas, ``content_block_stop``, one at a time, with
increasing ``index``), then ``message_delta`` (stop reason, usage) and
``message_stop``.
"""

from __future__ import annotations

from typing import Any

from omniroute.errors import GatewayError
from omniroute.wire import hub
from omniroute.wire.anthropic.response import (
    stop_from_hub,
    stop_to_hub,
    usage_from_hub,
    usage_to_hub,
)
from omniroute.wire.chunks import ChunkWriter
from omniroute.wire.errors import anthropic_error_body, error_from_body
from omniroute.wire.formats import WireFormat
from omniroute.wire.sse import encode_sse

Json = dict[str, Any]


def _event(name: str, payload: Json) -> bytes:
    return encode_sse(hub.dumps({"type": name, **payload}), event=name)


class StreamFromHub:
    """Writes hub chunks to an Anthropic client as Messages stream events."""

    def __init__(self, *, model: str, request_id: str) -> None:
        self.model = model
        self.id = hub.with_prefix(request_id, "msg_")
        self._started = False
        self._closed = False
        self._block: str | None = None  # "thinking", "text" or "tool_use"
        self._index = -1
        self._tool: int | None = None
        self._tools_seen: set[int] = set()
        self._stop: str | None = None
        self._usage: Json | None = None

    def _start(self) -> bytes:
        if self._started:
            return b""
        self._started = True
        message: Json = {
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            # A hub stream knows its usage only at the end (message_delta
            # carries it); a zero cache_creation here would outlive it in SDK
            # accumulators, which take only the flat counts from message_delta.
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return _event("message_start", {"message": message})

    def _close_block(self) -> bytes:
        if self._block is None:
            return b""
        self._block, self._tool = None, None
        return _event("content_block_stop", {"index": self._index})

    def _open(self, kind: str, block: Json) -> bytes:
        closing = self._close_block()
        self._block = kind
        self._index += 1
        opening = _event(
            "content_block_start", {"index": self._index, "content_block": block}
        )
        return closing + opening

    def _delta(self, delta: Json) -> bytes:
        return _event("content_block_delta", {"index": self._index, "delta": delta})

    def feed(self, chunk: Json) -> bytes:
        """The events for one hub chunk (b"" when nothing is due)."""
        if self._closed:
            return b""
        out = [self._start()]
        for choice in chunk.get("choices") or []:
            out += self._choice_delta(choice.get("delta") or {})
            if choice.get("finish_reason"):
                self._stop = choice["finish_reason"]
                out.append(self._close_block())
        if chunk.get("usage"):
            self._usage = chunk["usage"]
            if not chunk.get("choices"):
                out.append(self._end())
        return b"".join(out)

    def _choice_delta(self, delta: Json) -> list[bytes]:
        out: list[bytes] = []
        thought = delta.get("reasoning_content")
        signature = delta.get("reasoning_signature")
        if (thought or signature) and self._block != "thinking":
            block = {"type": "thinking", "thinking": "", "signature": ""}
            out.append(self._open("thinking", block))
        if thought:
            out.append(self._delta({"type": "thinking_delta", "thinking": thought}))
        if signature:
            out.append(self._delta({"type": "signature_delta", "signature": signature}))
        if delta.get("content"):
            if self._block != "text":
                out.append(self._open("text", {"type": "text", "text": ""}))
            out.append(self._delta({"type": "text_delta", "text": delta["content"]}))
        for call in delta.get("tool_calls") or []:
            out += self._tool_delta(call)
        return out

    def _tool_delta(self, call: Json) -> list[bytes]:
        index = call.get("index", 0)
        function = call.get("function") or {}
        out: list[bytes] = []
        if index not in self._tools_seen:
            self._tools_seen.add(index)
            block: Json = {
                "type": "tool_use",
                "id": call.get("id") or hub.new_id("toolu_"),
                "name": function.get("name") or "",
                "input": {},
            }
            out.append(self._open("tool_use", block))
            self._tool = index
        elif index != self._tool:
            # Anthropic blocks cannot interleave; a late delta for a closed
            # call cannot be delivered (no hub producer interleaves calls).
            return out
        if function.get("arguments"):
            partial = {
                "type": "input_json_delta",
                "partial_json": function["arguments"],
            }
            out.append(self._delta(partial))
        return out

    def _end(self) -> bytes:
        closing = self._close_block()
        self._closed = True
        delta = {
            "delta": {"stop_reason": stop_from_hub(self._stop), "stop_sequence": None},
            "usage": usage_from_hub(self._usage),
        }
        return closing + _event("message_delta", delta) + _event("message_stop", {})

    def finish(self) -> bytes:
        """``message_delta`` and ``message_stop`` if not sent yet."""
        if self._closed:
            return b""
        return self._start() + self._end()

    def error(self, err: GatewayError) -> bytes:
        """An ``error`` event; the stream is over after it."""
        if self._closed:
            return b""
        self._closed = True
        return encode_sse(hub.dumps(anthropic_error_body(err)), event="error")


class StreamToHub:
    """Turns an Anthropic provider's stream events into hub chunks."""

    def __init__(self, *, model: str) -> None:
        self._writer = ChunkWriter(model=model)
        self._raw_usage: Json = {}
        self._tools: dict[int, int] = {}  # Anthropic block index -> hub index
        self._tool_has_args: set[int] = set()

    @property
    def usage(self) -> Json | None:
        """The hub usage reported so far (None until message_start)."""
        return self._writer.usage

    def _merge_usage(self, usage: Any) -> None:
        if isinstance(usage, dict):
            self._raw_usage.update({k: v for k, v in usage.items() if v is not None})
            self._writer.usage = usage_to_hub(self._raw_usage)

    def feed(self, data: Json, event: str | None = None) -> list[Json]:
        """Hub chunks for one provider event."""
        kind = data.get("type") or event
        if kind == "error":
            raise error_from_body(WireFormat.ANTHROPIC, data)
        if kind == "message_start":
            message = data.get("message") or {}
            if message.get("id"):
                self._writer.id = str(message["id"])
            self._merge_usage(message.get("usage"))
            return self._writer.start()
        if kind == "content_block_start":
            return self._block_start(data)
        if kind == "content_block_delta":
            return self._block_delta(data)
        if kind == "content_block_stop":
            index = data.get("index", -1)
            if index in self._tools and index not in self._tool_has_args:
                # A call without arguments: "{}" keeps them valid JSON.
                return self._writer.tool_arguments(self._tools[index], "{}")
            return []
        if kind == "message_delta":
            self._merge_usage(data.get("usage"))
            reason = stop_to_hub((data.get("delta") or {}).get("stop_reason"))
            return self._writer.finish(reason) if reason else []
        if kind == "message_stop":
            return self._writer.end()
        return []  # ping and future event types

    def _block_start(self, data: Json) -> list[Json]:
        block = data.get("content_block") or {}
        kind = block.get("type")
        if kind == "tool_use":
            arguments = hub.dumps(block["input"]) if block.get("input") else ""
            index, out = self._writer.tool_start(
                block.get("id") or "", block.get("name") or "", arguments
            )
            self._tools[data.get("index", -1)] = index
            if arguments:
                self._tool_has_args.add(data.get("index", -1))
            return out
        if kind == "text":
            return self._writer.text(block.get("text") or "")
        if kind == "thinking":
            return self._writer.reasoning(block.get("thinking") or "")
        return []

    def _block_delta(self, data: Json) -> list[Json]:
        delta = data.get("delta") or {}
        kind = delta.get("type")
        if kind == "text_delta":
            return self._writer.text(delta.get("text") or "")
        if kind == "thinking_delta":
            return self._writer.reasoning(delta.get("thinking") or "")
        if kind == "signature_delta":
            return self._writer.signature(delta.get("signature") or "")
        if kind == "input_json_delta":
            index = data.get("index", -1)
            if index not in self._tools or not delta.get("partial_json"):
                return []
            self._tool_has_args.add(index)
            return self._writer.tool_arguments(
                self._tools[index], delta["partial_json"]
            )
        return []

    def finish(self) -> list[Json]:
        """Closing hub chunks for a stream that ended, cleanly or not."""
        return self._writer.end()
