"""An OpenAI Responses provider's stream events as hub chunks (executor side)."""

from __future__ import annotations

from typing import Any

from omniroute.wire.chunks import ChunkWriter
from omniroute.wire.errors import error_from_body
from omniroute.wire.formats import WireFormat
from omniroute.wire.responses.response import finish_to_hub, usage_to_hub

Json = dict[str, Any]


class StreamToHub:
    """Turns Responses stream events into hub chunks."""

    def __init__(self, *, model: str) -> None:
        self._writer = ChunkWriter(model=model)
        self._calls: dict[str, int] = {}  # output item id -> hub tool index
        self._with_arguments: set[str] = set()
        self._summary_parts = 0

    @property
    def usage(self) -> Json | None:
        """The hub usage (None until the final ``response`` event)."""
        return self._writer.usage

    def feed(self, data: Json, event: str | None = None) -> list[Json]:
        """Hub chunks for one provider event."""
        kind = data.get("type") or event or ""
        if kind in ("error", "response.failed"):
            failure = data if kind == "error" else (data.get("response") or {})
            raise error_from_body(
                WireFormat.RESPONSES, {"error": failure.get("error", failure)}
            )
        if kind == "response.created":
            response = data.get("response") or {}
            if response.get("id"):
                self._writer.id = str(response["id"])
            return self._writer.start()
        if kind == "response.output_text.delta":
            return self._writer.text(data.get("delta") or "")
        if kind == "response.refusal.delta":
            return self._writer.text(data.get("delta") or "")
        if kind in (
            "response.reasoning_summary_text.delta",
            "response.reasoning_text.delta",
        ):
            return self._writer.reasoning(data.get("delta") or "")
        if kind == "response.reasoning_summary_part.added":
            # Separate summary parts the way non-streamed summaries are joined.
            self._summary_parts += 1
            return self._writer.reasoning("\n\n") if self._summary_parts > 1 else []
        if kind == "response.output_item.added":
            return self._item_added(data.get("item") or {})
        if kind == "response.function_call_arguments.delta":
            return self._arguments(str(data.get("item_id")), data.get("delta") or "")
        if kind == "response.output_item.done":
            return self._item_done(data.get("item") or {})
        if kind in ("response.completed", "response.incomplete"):
            return self._completed(data.get("response") or {})
        return []

    def _item_added(self, item: Json) -> list[Json]:
        if item.get("type") != "function_call":
            return []
        index, out = self._writer.tool_start(
            item.get("call_id") or "", item.get("name") or "", ""
        )
        self._calls[str(item.get("id"))] = index
        return out + self._arguments(str(item.get("id")), item.get("arguments") or "")

    def _arguments(self, item_id: str, text: str) -> list[Json]:
        if item_id not in self._calls or not text:
            return []
        self._with_arguments.add(item_id)
        return self._writer.tool_arguments(self._calls[item_id], text)

    def _item_done(self, item: Json) -> list[Json]:
        """Some servers send a call's arguments only in the finished item."""
        if item.get("type") != "function_call":
            return []
        item_id = str(item.get("id"))
        out: list[Json] = []
        if item_id not in self._calls:
            out += self._item_added({**item, "arguments": ""})
        if item_id not in self._with_arguments:
            out += self._arguments(item_id, item.get("arguments") or "{}")
        return out

    def _completed(self, response: Json) -> list[Json]:
        usage = usage_to_hub(response.get("usage"))
        if usage is not None:
            self._writer.usage = usage
        reason = finish_to_hub(response, self._writer.tool_count > 0)
        return self._writer.finish(reason) + self._writer.end()

    def finish(self) -> list[Json]:
        """Closing hub chunks for a stream that ended, cleanly or not."""
        return self._writer.end()
