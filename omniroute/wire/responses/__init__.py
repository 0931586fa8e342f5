"""OpenAI Responses (``/v1/responses``)."""

from omniroute.wire.responses.provider_stream import StreamToHub
from omniroute.wire.responses.request import request_to_hub
from omniroute.wire.responses.response import response_from_hub, response_to_hub
from omniroute.wire.responses.stream import StreamFromHub
from omniroute.wire.responses.upstream import request_from_hub

__all__ = [
    "StreamFromHub",
    "StreamToHub",
    "request_from_hub",
    "request_to_hub",
    "response_from_hub",
    "response_to_hub",
]
