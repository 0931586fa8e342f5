"""Sends one batch line through the gateway, as the key that made the batch.

The line goes to the edge's own endpoint, so routing, fallback, budgets,
rate limits, caching and usage are exactly those of an interactive request.
Admin holds no client key, only the key's id: the edge believes the id
with a signature that carries its time (``crypto.sign_act_as``). The line
asks for the background dispatch class, and carries an idempotency key so
that a line re-sent after a runner restart is answered once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import orjson

from omniroute.runtime.crypto import (
    ACT_AS_HEADER,
    ACT_AS_SIGNATURE_HEADER,
    PRIORITY_HEADER,
    sign_act_as,
)

# A line's request may take as long as an interactive one.
LINE_TIMEOUT_S = 600.0


@dataclass(frozen=True, slots=True)
class LineAnswer:
    status_code: int
    request_id: str
    body: bytes
    retry_after_s: float | None = None

    @property
    def error_code(self) -> str:
        try:
            error = orjson.loads(self.body).get("error") or {}
        except (orjson.JSONDecodeError, AttributeError):
            return ""
        return str(error.get("code") or "") if isinstance(error, dict) else ""


class LineSender:
    def __init__(self, edge_url: str, secret: bytes) -> None:
        self._edge_url = edge_url.rstrip("/")
        self._secret = secret
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(LINE_TIMEOUT_S, connect=5.0), trust_env=False
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def send(
        self, key_id: str, endpoint: str, body: bytes, idempotency_key: str
    ) -> LineAnswer:
        """The edge's answer; raises ``httpx.HTTPError`` when the edge could
        not be reached (the line stays unanswered and is sent again)."""
        headers = {
            "Content-Type": "application/json",
            ACT_AS_HEADER: key_id,
            ACT_AS_SIGNATURE_HEADER: sign_act_as(
                self._secret, key_id, int(time.time())
            ),
            PRIORITY_HEADER: "background",
            "Idempotency-Key": idempotency_key,
        }
        response = await self._http.post(
            self._edge_url + endpoint, content=body, headers=headers
        )
        retry = response.headers.get("retry-after", "")
        return LineAnswer(
            response.status_code,
            response.headers.get("x-request-id", ""),
            response.content,
            float(retry) if retry.replace(".", "", 1).isdigit() else None,
        )
