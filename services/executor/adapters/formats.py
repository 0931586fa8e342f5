"""One adapter per provider wire format: what an executor calls providers with."""

from __future__ import annotations

from omniroute.wire.formats import WireFormat
from services.executor.adapters.base import Adapter
from services.executor.adapters.openai_chat import OpenAIChatAdapter
from services.executor.adapters.translating import (
    anthropic_adapter,
    gemini_adapter,
    ollama_adapter,
    responses_adapter,
)


def adapters_by_format() -> dict[WireFormat, Adapter]:
    """A fresh adapter for every format a provider may speak."""
    return {
        WireFormat.OPENAI_CHAT: OpenAIChatAdapter(),
        WireFormat.ANTHROPIC: anthropic_adapter(),
        WireFormat.RESPONSES: responses_adapter(),
        WireFormat.GEMINI: gemini_adapter(),
        WireFormat.OLLAMA: ollama_adapter(),
    }
