"""Builds the hub chunks of one provider stream and guards how it ends.

Every provider-side ``StreamToHub`` writes through a ``ChunkWriter``, so the
hub stream has the same shape whatever the provider: the role on the first
delta, tool calls numbered from 0 in order of appearance, exactly one chunk
with ``finish_reason`` and then exactly one usage chunk.
"""

from __future__ import annotations

from typing import Any

from omniroute.wire import hub

Json = dict[str, Any]


class ChunkWriter:
    """Hub chunk factory for one stream."""

    def __init__(self, *, model: str, id: str | None = None) -> None:
        self._id = id
        self.model = model
        self.created = hub.now()
        self.usage: Json | None = None
        self.finished = False
        self.ended = False
        self._role_sent = False
        self._tool_count = 0

    @property
    def id(self) -> str:
        """The stream's id: the provider's when it gave one before any chunk."""
        if self._id is None:
            self._id = hub.new_id("chatcmpl-")
        return self._id

    @id.setter
    def id(self, value: str) -> None:
        self._id = value

    @property
    def tool_count(self) -> int:
        """How many tool calls were started."""
        return self._tool_count

    def _chunk(self, delta: Json, finish_reason: str | None = None) -> Json:
        return hub.chunk(
            id=self.id,
            model=self.model,
            created=self.created,
            delta=delta,
            finish_reason=finish_reason,
        )

    def delta(self, delta: Json) -> list[Json]:
        """One content delta; nothing once the stream has finished."""
        if self.finished:
            return []
        if not self._role_sent:
            delta = {"role": "assistant", **delta}
            self._role_sent = True
        return [self._chunk(delta)]

    def start(self) -> list[Json]:
        """The opening chunk (role only), if not already sent."""
        return [] if self._role_sent else self.delta({"content": ""})

    def text(self, text: str) -> list[Json]:
        """Answer text."""
        return self.delta({"content": text}) if text else []

    def reasoning(self, text: str) -> list[Json]:
        """Reasoning text."""
        return self.delta({"reasoning_content": text}) if text else []

    def signature(self, signature: str) -> list[Json]:
        """An opaque reasoning signature (Anthropic thinking blocks)."""
        return self.delta({"reasoning_signature": signature}) if signature else []

    def tool_start(
        self, call_id: str, name: str, arguments: str = "", extra: Json | None = None
    ) -> tuple[int, list[Json]]:
        """Opens a tool call; returns its hub index and the chunk."""
        index = self._tool_count
        self._tool_count += 1
        call: Json = {
            "index": index,
            "id": call_id or hub.new_id("call_"),
            "type": "function",
            "function": {"name": name, "arguments": arguments},
        }
        if extra:
            call["extra_content"] = extra
        return index, self.delta({"tool_calls": [call]})

    def tool_arguments(self, index: int, arguments: str) -> list[Json]:
        """More argument text for an open tool call."""
        if not arguments:
            return []
        call = {"index": index, "function": {"arguments": arguments}}
        return self.delta({"tool_calls": [call]})

    def finish(self, reason: str | None) -> list[Json]:
        """The one chunk with ``finish_reason``.

        Several providers say "stop" even when the answer is tool calls
        (Gemini, Ollama); clients rely on "tool_calls" to run them.
        """
        if self.finished:
            return []
        if reason in (None, "stop") and self._tool_count:
            reason = "tool_calls"
        chunks = self.start()
        self.finished = True
        return [*chunks, self._chunk({}, reason or "stop")]

    def end(self) -> list[Json]:
        """Closes the stream: the finish chunk if missing, then usage, once."""
        chunks = self.finish(None)
        if not self.ended:
            self.ended = True
            chunks.append(
                hub.usage_chunk(
                    id=self.id,
                    model=self.model,
                    created=self.created,
                    usage=self.usage or hub.make_usage(),
                )
            )
        return chunks
