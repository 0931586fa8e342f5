"""What every provider adapter provides to the executor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from omniroute.common.v1 import common_pb2
from omniroute.presets import AuthStyle
from omniroute.wire.formats import WireFormat
from services.executor.config_view import AccountView, ProviderView


@dataclass(slots=True)
class UpstreamRequest:
    url: str
    headers: dict[str, str]
    body: bytes
    # The provider's model name, echoed in translated answers.
    model: str = ""
    # Same format on both sides: answers are passed on as the provider's bytes.
    passthrough: bool = False


@dataclass(slots=True)
class UpstreamResponse:
    """A whole non-streaming answer, as the edge will receive it."""

    body: bytes
    usage: common_pb2.Usage = field(default_factory=common_pb2.Usage)
    finish_reason: str = ""


class StreamReader(Protocol):
    """Turns upstream stream bytes into items for the edge."""

    usage: common_pb2.Usage | None
    finish_reason: str
    # The provider ended its stream properly (e.g. ``[DONE]``, ``message_stop``).
    completed: bool

    def feed(self, data: bytes) -> list[bytes]: ...

    def finish(self) -> list[bytes]: ...


class Adapter(Protocol):
    format: WireFormat

    def build_request(
        self,
        provider: ProviderView,
        account: AccountView,
        model: str,
        body: dict[str, Any],
        stream: bool,
        client_body: dict[str, Any] | None = None,
    ) -> UpstreamRequest:
        """The upstream call; ``client_body`` (same format) is sent as is."""
        ...

    def parse_response(
        self, raw: bytes, request: UpstreamRequest
    ) -> UpstreamResponse: ...

    def stream_reader(self, request: UpstreamRequest) -> StreamReader: ...

    def error_message(self, raw: bytes) -> str: ...


def auth_headers(style: AuthStyle, credential: str) -> dict[str, str]:
    if not credential or style is AuthStyle.NONE:
        return {}
    if style is AuthStyle.X_API_KEY:
        return {"x-api-key": credential}
    if style is AuthStyle.GOOG_API_KEY:
        return {"x-goog-api-key": credential}
    if style is AuthStyle.TOKEN:
        return {"Authorization": f"Token {credential}"}
    if style is AuthStyle.RAW:
        return {"Authorization": credential}
    if style is AuthStyle.XI_API_KEY:
        return {"xi-api-key": credential}
    return {"Authorization": f"Bearer {credential}"}
