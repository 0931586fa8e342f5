"""The edge's HTTP/1.1 protocol: uvicorn's, with read deadlines.

uvicorn waits for a request's headers and body as long as the client
likes, and any byte cancels its keep-alive timer, so a client sending a
header byte every few seconds holds a connection (and its memory) forever:
fifty such slowloris connections were never closed in 40 s. Here the
headers of each request must be complete ``header_timeout_s`` after its
first byte (or after the connection opened), and a body may pause at most
``body_timeout_s`` between two reads; past either the connection is closed.
Nothing is timed while the application works on a request or streams its
answer: those are the client's to wait for.
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)


class DeadlineHttpProtocol(HttpToolsProtocol):
    header_timeout_s = 10.0
    body_timeout_s = 30.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout_s, "headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(self.header_timeout_s, "headers")

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.body_timeout_s, "body")

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm(self.body_timeout_s, "body")

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired, what, seconds)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self, what: str, seconds: float) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        log.info(
            "closing a connection that sent no complete %s in %gs",
            what,
            seconds,
            extra={
                "client": f"{self.client[0]}:{self.client[1]}" if self.client else ""
            },
        )
        self.transport.close()


def deadline_protocol(
    header_timeout_s: float, body_timeout_s: float
) -> type[DeadlineHttpProtocol]:
    """The protocol class with these deadlines (uvicorn takes a class)."""
    return type(
        "EdgeHttpProtocol",
        (DeadlineHttpProtocol,),
        {"header_timeout_s": header_timeout_s, "body_timeout_s": body_timeout_s},
    )
