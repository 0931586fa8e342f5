"""OpenAI Chat Completions (``/v1/chat/completions``), the hub's own shape."""

from omniroute.wire.openai_chat.request import request_from_hub, request_to_hub
from omniroute.wire.openai_chat.response import response_from_hub, response_to_hub
from omniroute.wire.openai_chat.stream import StreamFromHub, StreamToHub

__all__ = [
    "StreamFromHub",
    "StreamToHub",
    "request_from_hub",
    "request_to_hub",
    "response_from_hub",
    "response_to_hub",
]
