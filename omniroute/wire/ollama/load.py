"""Ollama's "load the model" calls, answered without a model.

``/api/chat`` with no messages and ``/api/generate`` with no prompt ask
Ollama to load the model into memory (with ``keep_alive`` 0: to unload it);
clients send them to warm a model up. Behind a gateway every model is always
ready, so the answer is Ollama's, at once, and no provider is called.
"""

from __future__ import annotations

import re
from typing import Any

from omniroute.wire.ollama.response import timestamp
from omniroute.wire.validation import require_model

Json = dict[str, Any]

# A Go duration of zero ("0", "0s", "0m0s", "0.0h"): Ollama's "unload now".
_ZERO_DURATION = re.compile(r"(?:0+(?:\.0*)?(?:ns|us|µs|ms|s|m|h)?)+")


def unloads(keep_alive: Any) -> bool:
    """Whether ``keep_alive`` (seconds or a Go duration string) is zero."""
    if isinstance(keep_alive, bool):
        return False
    if isinstance(keep_alive, int | float):
        return keep_alive == 0
    return isinstance(keep_alive, str) and bool(
        _ZERO_DURATION.fullmatch(keep_alive.strip())
    )


def _reason(body: Json) -> str:
    return "unload" if unloads(body.get("keep_alive")) else "load"


def chat_load(body: Json) -> Json | None:
    """Ollama's answer to a chat body without messages; None for any other."""
    if body.get("messages") not in (None, []):
        return None
    return {
        "model": require_model(body),
        "created_at": timestamp(),
        "message": {"role": "assistant", "content": ""},
        "done_reason": _reason(body),
        "done": True,
    }


def generate_load(body: Json) -> Json | None:
    """Ollama's answer to a generate body without a prompt; None for any other."""
    if body.get("prompt") not in (None, ""):
        return None
    return {
        "model": require_model(body),
        "created_at": timestamp(),
        "response": "",
        "done": True,
        "done_reason": _reason(body),
    }
