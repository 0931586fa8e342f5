"""What a stream had generated when its client went away, to bill it.

A client that reads most of an answer and closes the socket never gets the
stream's last usage chunk, but the provider bills every token it generated.
The edge therefore keeps the text it relayed (in the hub's chunks or, for
pass-through, the provider's own frames) and counts it with tiktoken when
the stream is abandoned; the prompt is the provider's own count when a frame
carried one (Anthropic's ``message_start``), else the local estimate made at
admission. The executor is told to stop at once, so little more is
generated than was relayed.
"""

from __future__ import annotations

from typing import Any

import orjson

from omniroute.common.v1 import common_pb2
from services.edge.token_count import encoding

# Keys whose string values are generated text in any format's stream frames
# (hub and OpenAI deltas, Anthropic deltas, Responses' ``delta``, Gemini
# parts, Ollama messages and ``response``).
_TEXT_KEYS = frozenset(
    {
        "content",
        "text",
        "reasoning_content",
        "thinking",
        "partial_json",
        "arguments",
        "delta",
        "response",
    }
)
# Where a frame's usage says how long the prompt was.
_PROMPT_KEYS = ("prompt_tokens", "input_tokens", "promptTokenCount")


class RelayedText:
    """The frames relayed so far; read only if the stream is abandoned (a
    stream that ends has the provider's usage), so relaying keeps the items
    it already holds and parses nothing."""

    def __init__(self) -> None:
        self._items: list[bytes] = []
        self._text: list[str] = []
        self.reported_prompt = 0

    def feed(self, items: list[bytes]) -> None:
        self._items.extend(items)

    def usage(self, prompt_estimate: int) -> common_pb2.Usage:
        """Usage as far as the stream went: the prompt, and the relayed text."""
        for item in self._items:
            for event in _events(item):
                self._walk(event)
        self._items.clear()
        text = "".join(self._text)
        completion = len(encoding().encode(text, disallowed_special=())) if text else 0
        prompt = self.reported_prompt or prompt_estimate
        return common_pb2.Usage(
            prompt_tokens=prompt,
            completion_tokens=completion,
            total_tokens=prompt + completion,
        )

    def _walk(self, value: Any) -> None:
        if isinstance(value, list):
            for element in value:
                self._walk(element)
            return
        if not isinstance(value, dict):
            return
        for key, inner in value.items():
            if key in ("usage", "usageMetadata") and isinstance(inner, dict):
                self._note_prompt(inner)
            elif isinstance(inner, str):
                if key in _TEXT_KEYS:
                    self._text.append(inner)
            else:
                self._walk(inner)

    def _note_prompt(self, usage: dict[str, Any]) -> None:
        for key in _PROMPT_KEYS:
            value = usage.get(key)
            if isinstance(value, int) and value > self.reported_prompt:
                self.reported_prompt = value


def _events(item: bytes) -> list[Any]:
    """The JSON events of one relayed item: a hub chunk, or a provider's SSE
    or NDJSON frames."""
    try:
        return [orjson.loads(item)]
    except orjson.JSONDecodeError:
        pass
    events = []
    for line in item.splitlines():
        payload = line.removeprefix(b"data:").strip()
        if payload.startswith(b"{"):
            try:
                events.append(orjson.loads(payload))
            except orjson.JSONDecodeError:
                continue
    return events
