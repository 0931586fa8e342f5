"""The translator module of each wire format.

Every module has the same client-side API (``request_to_hub``,
``response_from_hub``, ``StreamFromHub``) and provider-side API
(``request_from_hub``, ``response_to_hub``, ``StreamToHub``); only Gemini's
``request_to_hub`` also takes ``model`` and ``stream``, which its URL carries.
"""

from __future__ import annotations

from types import ModuleType

from omniroute.wire import anthropic, gemini, ollama, openai_chat, responses
from omniroute.wire.formats import WireFormat

_MODULES: dict[WireFormat, ModuleType] = {
    WireFormat.OPENAI_CHAT: openai_chat,
    WireFormat.ANTHROPIC: anthropic,
    WireFormat.RESPONSES: responses,
    WireFormat.GEMINI: gemini,
    WireFormat.OLLAMA: ollama,
}


def translator(fmt: WireFormat) -> ModuleType:
    """The translator module for ``fmt``."""
    return _MODULES[fmt]
