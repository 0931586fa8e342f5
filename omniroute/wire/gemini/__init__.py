"""Gemini ``generateContent`` / ``streamGenerateContent`` (``/v1`` and ``/v1beta``).

The other Gemini methods have their own modules: ``count`` (countTokens),
``embeddings`` (embedContent, batchEmbedContents) and ``models`` (list, get).
"""

from omniroute.wire.gemini.request import request_to_hub
from omniroute.wire.gemini.response import response_from_hub, response_to_hub
from omniroute.wire.gemini.stream import StreamFromHub, StreamToHub
from omniroute.wire.gemini.upstream import request_from_hub

__all__ = [
    "StreamFromHub",
    "StreamToHub",
    "request_from_hub",
    "request_to_hub",
    "response_from_hub",
    "response_to_hub",
]
