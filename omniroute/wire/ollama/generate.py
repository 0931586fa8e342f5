"""Ollama ``/api/generate``: one prompt, served as a one-turn chat.

The prompt (with its ``images``) becomes the user message and ``system`` the
system message; ``options``, ``format`` and ``think`` mean what they mean on
``/api/chat``. Answers carry the text in ``response`` instead of ``message``.

Accepted and ignored, because a provider applies its own chat template and
keeps no token state for us: ``template``, ``raw`` (the prompt is sent as
text either way), ``context`` (the deprecated token memory; no ``context``
comes back, which Ollama also omits in raw mode) and ``keep_alive``.
"""

from __future__ import annotations

from typing import Any

from omniroute.errors import BadRequest
from omniroute.wire import hub
from omniroute.wire.ollama import request as chat_request
from omniroute.wire.ollama import stream as chat_stream
from omniroute.wire.ollama.response import final_fields, timestamp
from omniroute.wire.validation import (
    expect_list,
    expect_object,
    expect_str,
    optional_bool,
    optional_str,
    require_model,
)

Json = dict[str, Any]

# Fields that mean the same on /api/chat and are handed to its translation.
_CHAT_FIELDS = ("model", "stream", "options", "format", "think", "keep_alive")


def request_to_hub(body: Json) -> Json:
    """A client's Ollama generate body as a hub request (validated)."""
    expect_object(body, "body")
    model = require_model(body)
    prompt = optional_str(body.get("prompt"), "prompt") or ""
    system = optional_str(body.get("system"), "system") or ""
    if optional_str(body.get("suffix"), "suffix"):
        # Fill-in-the-middle needs a completion model's own template; chat
        # providers have none. Ollama answers models without it the same way.
        raise BadRequest(
            f"'{model}' does not support insert: send the prompt without a suffix",
            param="suffix",
        )
    if optional_bool(body.get("raw"), "raw") and (
        body.get("template") or system or body.get("context")
    ):
        # Ollama's own rule, kept so a client learns it here too.
        raise BadRequest("raw mode does not support template, system, or context")
    images = expect_list(body.get("images") or [], "images")
    user: Json = {"role": "user", "content": prompt}
    if images:
        user["images"] = [
            expect_str(image, f"images.{i}") for i, image in enumerate(images)
        ]
    chat = {key: body[key] for key in _CHAT_FIELDS if key in body}
    system_turn = [{"role": "system", "content": system}] if system else []
    chat["messages"] = [*system_turn, user]
    return chat_request.request_to_hub(chat)


def response_from_hub(hub_response: Json, *, model: str) -> Json:
    """A hub answer as an Ollama generate response."""
    choice = hub_response["choices"][0]
    message = choice.get("message") or {}
    out: Json = {
        "model": model,
        "created_at": timestamp(),
        "response": hub.text_of(message.get("content")),
    }
    if message.get("reasoning_content"):
        out["thinking"] = message["reasoning_content"]
    out.update(final_fields(choice.get("finish_reason"), hub_response.get("usage")))
    return out


class StreamFromHub(chat_stream.StreamFromHub):
    """Writes hub chunks to a generate client as NDJSON lines: ``response``
    (and ``thinking``) fragments, then a ``done: true`` line with the counts.

    The chat stream's logic, with generate's line shape.
    """

    def _line(self, message: Json, **fields: Any) -> bytes:
        body: Json = {
            "model": self.model,
            "created_at": timestamp(),
            "response": message.get("content", ""),
        }
        for key in ("thinking", "tool_calls"):
            if message.get(key):
                body[key] = message[key]
        body.update(fields)
        return (hub.dumps(body) + "\n").encode()
