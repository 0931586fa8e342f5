"""Hub chunks as an OpenAI Responses event stream (edge side).

A Responses stream opens with ``response.created`` and
``response.in_progress``; each output item (reasoning, message, function
call) is announced with ``response.output_item.added``, filled by its delta
events and sealed with ``response.output_item.done``; it ends with
``response.completed`` (or ``response.incomplete`` / ``response.failed``).
Every event carries an increasing ``sequence_number``.
"""

from __future__ import annotations

from typing import Any

from omniroute.errors import GatewayError
from omniroute.wire import hub
from omniroute.wire.responses.response import (
    function_call_item,
    item_status,
    message_item,
    output_text,
    reasoning_item,
    response_id,
    response_object,
)
from omniroute.wire.sse import encode_sse

Json = dict[str, Any]


def _failure_code(status: int) -> str:
    """A ``ResponseError.code`` value the SDK knows."""
    if status == 429:
        return "rate_limit_exceeded"
    return "invalid_prompt" if status == 400 else "server_error"


class _Item:
    """The output item being streamed."""

    def __init__(self, kind: str, item_id: str, index: int) -> None:
        self.kind = kind
        self.id = item_id
        self.index = index
        self.text: list[str] = []
        self.call_id = ""
        self.name = ""
        self.hub_index = -1


class StreamFromHub:
    """Writes hub chunks to a Responses client as its stream events."""

    def __init__(self, *, model: str, request_id: str) -> None:
        self.model = model
        self.id = response_id(request_id)
        self.created_at = hub.now()
        self._sequence = 0
        self._started = False
        self._closed = False
        self._item: _Item | None = None
        self._output: list[Json] = []
        self._calls_seen: set[int] = set()
        self._finish: str | None = None
        self._usage: Json | None = None

    def _event(self, kind: str, payload: Json) -> bytes:
        data = {"type": kind, "sequence_number": self._sequence, **payload}
        self._sequence += 1
        return encode_sse(hub.dumps(data), event=kind)

    def _snapshot(self, **kwargs: Any) -> Json:
        return response_object(
            id=self.id,
            model=self.model,
            created_at=self.created_at,
            output=list(self._output),
            **kwargs,
        )

    def _start(self) -> bytes:
        if self._started:
            return b""
        self._started = True
        snapshot = self._snapshot(status="in_progress")
        return self._event("response.created", {"response": snapshot}) + self._event(
            "response.in_progress", {"response": snapshot}
        )

    def feed(self, chunk: Json) -> bytes:
        """The events for one hub chunk (b"" when nothing is due)."""
        if self._closed:
            return b""
        out = [self._start()]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("reasoning_content"):
                out.append(self._reasoning(delta["reasoning_content"]))
            if delta.get("content"):
                out.append(self._text(delta["content"]))
            for call in delta.get("tool_calls") or []:
                out.append(self._call(call))
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
                out.append(self._close_item())
        if chunk.get("usage"):
            self._usage = chunk["usage"]
            if not chunk.get("choices"):
                out.append(self._end())
        return b"".join(out)

    def _open(self, kind: str, prefix: str, item: Json) -> tuple[_Item, bytes]:
        closing = self._close_item()
        current = _Item(kind, hub.new_id(prefix), len(self._output))
        self._item = current
        item = {**item, "id": current.id}
        added = self._event(
            "response.output_item.added", {"output_index": current.index, "item": item}
        )
        return current, closing + added

    def _where(self, item: _Item) -> Json:
        return {"item_id": item.id, "output_index": item.index}

    def _reasoning(self, text: str) -> bytes:
        out = b""
        item = self._item
        if item is None or item.kind != "reasoning":
            item, out = self._open("reasoning", "rs_", reasoning_item("", ""))
            part = {"type": "summary_text", "text": ""}
            out += self._event(
                "response.reasoning_summary_part.added",
                {**self._where(item), "summary_index": 0, "part": part},
            )
        item.text.append(text)
        return out + self._event(
            "response.reasoning_summary_text.delta",
            {**self._where(item), "summary_index": 0, "delta": text},
        )

    def _text(self, text: str) -> bytes:
        out = b""
        item = self._item
        if item is None or item.kind != "message":
            item, out = self._open(
                "message", "msg_", message_item("", None, "in_progress")
            )
            out += self._event(
                "response.content_part.added",
                {**self._where(item), "content_index": 0, "part": output_text("")},
            )
        item.text.append(text)
        return out + self._event(
            "response.output_text.delta",
            {**self._where(item), "content_index": 0, "delta": text, "logprobs": []},
        )

    def _call(self, call: Json) -> bytes:
        index = call.get("index", 0)
        function = call.get("function") or {}
        out = b""
        item = self._item
        if index not in self._calls_seen:
            self._calls_seen.add(index)
            call_id = call.get("id") or hub.new_id("call_")
            name = function.get("name") or ""
            added = function_call_item("", call_id, name, "", "in_progress")
            item, out = self._open("function_call", "fc_", added)
            item.call_id, item.name, item.hub_index = call_id, name, index
        elif item is None or item.hub_index != index:
            return out  # a late delta for a sealed call (no hub producer does this)
        if function.get("arguments"):
            item.text.append(function["arguments"])
            out += self._event(
                "response.function_call_arguments.delta",
                {**self._where(item), "delta": function["arguments"]},
            )
        return out

    def _close_item(self) -> bytes:
        item, self._item = self._item, None
        if item is None:
            return b""
        text = "".join(item.text)
        where = self._where(item)
        out = b""
        if item.kind == "reasoning":
            done = reasoning_item(item.id, text)
            part = {"type": "summary_text", "text": text}
            out += self._event(
                "response.reasoning_summary_text.done",
                {**where, "summary_index": 0, "text": text},
            )
            out += self._event(
                "response.reasoning_summary_part.done",
                {**where, "summary_index": 0, "part": part},
            )
        elif item.kind == "message":
            done = message_item(item.id, text, item_status(self._finish))
            out += self._event(
                "response.output_text.done",
                {**where, "content_index": 0, "text": text, "logprobs": []},
            )
            out += self._event(
                "response.content_part.done",
                {**where, "content_index": 0, "part": output_text(text)},
            )
        else:
            done = function_call_item(item.id, item.call_id, item.name, text)
            out += self._event(
                "response.function_call_arguments.done",
                {**where, "name": item.name, "arguments": text},
            )
        self._output.append(done)
        return out + self._event(
            "response.output_item.done", {"output_index": item.index, "item": done}
        )

    def _end(self) -> bytes:
        closing = self._close_item()
        self._closed = True
        snapshot = self._snapshot(
            finish_reason=self._finish, usage=self._usage or hub.make_usage()
        )
        kind = f"response.{snapshot['status']}"
        return closing + self._event(kind, {"response": snapshot})

    def finish(self) -> bytes:
        """``response.completed`` (or ``response.incomplete``) if not sent yet."""
        if self._closed:
            return b""
        return self._start() + self._end()

    def error(self, err: GatewayError) -> bytes:
        """``response.failed`` carrying the error; the stream is over after it."""
        if self._closed:
            return b""
        opening = self._start()
        self._closed = True
        error = {"code": _failure_code(err.status), "message": err.message}
        snapshot = self._snapshot(status="failed", error=error)
        return opening + self._event("response.failed", {"response": snapshot})
