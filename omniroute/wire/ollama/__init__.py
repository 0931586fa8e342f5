"""Ollama chat (``/api/chat``, NDJSON streaming)."""

from omniroute.wire.ollama.request import request_from_hub, request_to_hub
from omniroute.wire.ollama.response import response_from_hub, response_to_hub
from omniroute.wire.ollama.stream import StreamFromHub, StreamToHub

__all__ = [
    "StreamFromHub",
    "StreamToHub",
    "request_from_hub",
    "request_to_hub",
    "response_from_hub",
    "response_to_hub",
]
