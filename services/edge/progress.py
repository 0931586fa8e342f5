"""``X-OmniRoute-Progress: true``: progress frames in a long stream.

Every ``interval`` seconds an ``event: progress`` frame says how many tokens
have been generated so far (counted with tiktoken on the answer's text and
reasoning, not by counting frames) and how long the request has run; a last
frame with ``"done": true`` closes the count.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from omniroute.wire.formats import WireFormat
from omniroute.wire.registry import translator
from omniroute.wire.sse import NDJSONDecoder, SSEDecoder, encode_sse
from services.edge.token_count import encoding

HEADER = "x-omniroute-progress"
INTERVAL_S = 2.0


class ProgressTicker:
    def __init__(
        self, started: float, passthrough_format: WireFormat | None, interval: float
    ) -> None:
        self._started = started
        self._interval = interval
        self._next = time.perf_counter() + interval
        self.tokens = 0
        # Pass-through frames are in the provider's format: read them with
        # that format's translator to find the text.
        self._to_hub: Any = None
        self._sse: SSEDecoder | None = None
        self._lines: NDJSONDecoder | None = None
        if passthrough_format is not None:
            self._to_hub = translator(passthrough_format).StreamToHub(model="")
            if passthrough_format is WireFormat.OLLAMA:
                self._lines = NDJSONDecoder()
            else:
                self._sse = SSEDecoder()

    def remaining(self) -> float:
        return max(0.0, self._next - time.perf_counter())

    def count(self, items: list[bytes]) -> None:
        for chunk in self._hub_chunks(items):
            for choice in chunk.get("choices") or ():
                delta = choice.get("delta") or {}
                for key in ("content", "reasoning_content"):
                    if isinstance(delta.get(key), str) and delta[key]:
                        self.tokens += len(encoding().encode(delta[key]))
                for call in delta.get("tool_calls") or ():
                    arguments = (call.get("function") or {}).get("arguments")
                    if arguments:
                        self.tokens += len(encoding().encode(arguments))

    def _hub_chunks(self, items: list[bytes]) -> list[dict[str, Any]]:
        if self._to_hub is None:
            return [orjson.loads(item) for item in items]
        chunks: list[dict[str, Any]] = []
        for item in items:
            payloads: list[tuple[bytes, str | None]]
            if self._lines is not None:
                payloads = [(line, None) for line in self._lines.feed(item)]
            else:
                assert self._sse is not None
                payloads = [(e.data.encode(), e.event) for e in self._sse.feed(item)]
            for payload, event in payloads:
                if payload and payload != b"[DONE]":
                    chunks.extend(self._to_hub.feed(orjson.loads(payload), event))
        return chunks

    def frame(self, done: bool = False) -> bytes:
        self._next = time.perf_counter() + self._interval
        body: dict[str, Any] = {
            "tokens_generated": self.tokens,
            "elapsed_ms": int((time.perf_counter() - self._started) * 1000),
        }
        if done:
            body["done"] = True
        return encode_sse(orjson.dumps(body), "progress")
