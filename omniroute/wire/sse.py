"""Server-sent events and NDJSON framing: incremental decoders and encoders.

Pure code (no I/O): callers feed whatever bytes the socket produced and get
back complete events, so a frame split across reads is never lost or doubled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SSEEvent:
    data: str
    event: str | None = None
    id: str | None = None


class SSEDecoder:
    """Incremental parser for ``text/event-stream``.

    Comment lines (``: keep-alive``) are dropped; ``data`` lines of one event
    are joined with newlines; an event is emitted at the blank line that ends
    it. The buffer is bounded: a line longer than ``max_line`` raises.
    """

    def __init__(self, max_line: int = 8 * 1024 * 1024) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._max_line = max_line

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        self._buffer += chunk
        events: list[SSEEvent] = []
        while True:
            line, found = self._next_line()
            if not found:
                break
            event = self._process(line)
            if event is not None:
                events.append(event)
        if len(self._buffer) > self._max_line:
            raise ValueError("server-sent event line exceeds the size limit")
        return events

    def flush(self) -> list[SSEEvent]:
        """Ends the stream: a final event without its blank line still counts."""
        events: list[SSEEvent] = []
        if self._buffer:
            line, self._buffer = self._buffer, b""
            event = self._process(line.rstrip(b"\r"))
            if event is not None:
                events.append(event)
        event = self._process(b"")
        if event is not None:
            events.append(event)
        return events

    def _next_line(self) -> tuple[bytes, bool]:
        # Providers end lines with \n or \r\n; a lone \r (allowed by the spec,
        # used by nobody we talk to) is not treated as a line end.
        index = self._buffer.find(b"\n")
        if index < 0:
            return b"", False
        line = self._buffer[:index]
        self._buffer = self._buffer[index + 1 :]
        return line.rstrip(b"\r"), True

    def _process(self, raw: bytes) -> SSEEvent | None:
        if not raw:
            if not self._data and self._event is None:
                return None
            event = SSEEvent("\n".join(self._data), self._event, self._id)
            self._data, self._event = [], None
            return event
        line = raw.decode("utf-8", errors="replace")
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            self._id = value
        return None


class NDJSONDecoder:
    """Incremental splitter for newline-delimited JSON (Ollama streams)."""

    def __init__(self, max_line: int = 8 * 1024 * 1024) -> None:
        self._buffer = b""
        self._max_line = max_line

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        if len(self._buffer) > self._max_line:
            raise ValueError("NDJSON line exceeds the size limit")
        return [line for line in (raw.strip() for raw in lines) if line]

    def flush(self) -> list[bytes]:
        rest, self._buffer = self._buffer.strip(), b""
        return [rest] if rest else []


def encode_sse(data: bytes | str, event: str | None = None) -> bytes:
    """One SSE frame. ``data`` must not contain newlines (compact JSON)."""
    payload = data.encode() if isinstance(data, str) else data
    if event is None:
        return b"data: " + payload + b"\n\n"
    return b"event: " + event.encode() + b"\ndata: " + payload + b"\n\n"


SSE_DONE = b"data: [DONE]\n\n"
