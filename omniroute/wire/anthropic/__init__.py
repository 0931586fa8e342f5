"""Anthropic Messages (``/v1/messages``)."""

from omniroute.wire.anthropic.request import request_to_hub
from omniroute.wire.anthropic.response import response_from_hub, response_to_hub
from omniroute.wire.anthropic.stream import StreamFromHub, StreamToHub
from omniroute.wire.anthropic.upstream import DEFAULT_MAX_TOKENS, request_from_hub

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "StreamFromHub",
    "StreamToHub",
    "request_from_hub",
    "request_to_hub",
    "response_from_hub",
    "response_to_hub",
]
