"""One target's try at a dispatch: what it sends, where it replies, its clock.

``PlanRunner`` makes one ``Attempt`` per target it tries; the calls that
serve it (chat, streams, token counts, media) read everything from it and
answer through it, so none of them threads the dispatch, the writer and the
ack along.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio.client import Pipeline

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.wire.formats import WireFormat
from omniroute.wire.passthrough import is_passthrough
from services.executor.config_view import AccountView, ProviderView
from services.executor.reply import ReplyWriter

# Acknowledges the dispatch entry, in the pipeline of its final reply.
Ack = Callable[[Pipeline], None]


@dataclass(frozen=True, slots=True)
class Bodies:
    """The hub request, and the client's own body with whether the edge lets
    it be forwarded (operations carry their request in it either way)."""

    hub: dict[str, Any]
    client: dict[str, Any] | None
    forwardable: bool

    @classmethod
    def of(cls, dispatch: dispatch_pb2.Dispatch) -> Bodies:
        """The dispatch's bodies; ValueError, saying why, when unreadable."""
        try:
            hub = orjson.loads(dispatch.body)
            client = (
                orjson.loads(dispatch.client_body) if dispatch.client_body else None
            )
        except orjson.JSONDecodeError:
            raise ValueError("request body is not valid JSON") from None
        if dispatch.client_body_forwardable and client is None:
            raise ValueError("the dispatch has no client body to forward")
        return cls(hub, client, dispatch.client_body_forwardable)


@dataclass(slots=True, kw_only=True)
class Attempt:
    dispatch: dispatch_pb2.Dispatch
    target: common_pb2.Target
    # Targets tried before this one (the client sees it as fallbacks).
    index: int
    provider: ProviderView
    bodies: Bodies
    writer: ReplyWriter
    ack: Ack
    # perf_counter() when the current account's call began.
    started: float = 0.0
    ttft_ms: int = 0
    # Why this account: "session", "prefix", "strategy" or "fallback".
    reason: str = "strategy"

    @property
    def format(self) -> WireFormat:
        """The provider's wire format."""
        return WireFormat.from_proto(self.target.format)

    @property
    def passthrough(self) -> bool:
        """Is this target sent the client's own body (same format)?"""
        return is_passthrough(
            _client_format(self.dispatch.client_format),
            self.format,
            body_forwardable=self.bodies.forwardable,
        )

    def start(self, account: AccountView, *, passthrough: bool = False) -> None:
        """Queues ``Started`` for ``account`` and starts the clock."""
        self.writer.started(
            provider_id=self.provider.id,
            account_id=account.id,
            model=self.target.model,
            fallbacks=self.index,
            passthrough=passthrough,
            reason=self.reason,
        )
        self.started = time.perf_counter()
        self.ttft_ms = 0

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started

    def first_token(self) -> float:
        """Notes that the first streamed items arrived; seconds it took."""
        elapsed = self.elapsed_s
        self.ttft_ms = int(elapsed * 1000)
        return elapsed

    async def done(
        self,
        *,
        body: bytes,
        usage: common_pb2.Usage | None,
        finish_reason: str = "",
        units: float = 0.0,
    ) -> None:
        """The final reply, timed from ``start``, sent with the ack."""
        await self.writer.done(
            body=body,
            usage=usage,
            finish_reason=finish_reason,
            elapsed_ms=self.elapsed_s * 1000,
            ttft_ms=self.ttft_ms,
            units=units,
            then=self.ack,
        )


def _client_format(value: int) -> WireFormat | None:
    try:
        return WireFormat.from_proto(value)
    except ValueError:
        return None
