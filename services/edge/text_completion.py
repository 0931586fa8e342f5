"""OpenAI's legacy text completions (``POST /v1/completions``), served by the
chat pipeline: same keys, limits, routing, fallback, cache and metering.

* The request's ``prompt`` becomes one user message. A list of strings is
  joined with newlines into that one message, as the original OmniRoute
  does (OpenAI would answer one choice per prompt). The sampling fields
  (``max_tokens``, ``temperature``, ``top_p``, ``n``, ``stop``, ``seed``,
  the penalties, ``logit_bias``, ``user``, ``stream_options``) mean what
  they mean in chat. No ``max_tokens`` means the provider's default, not
  the legacy API's 16, again as the original.
* The answer is a ``text_completion`` (``choices[].text``), streamed as
  ``text_completion`` chunks of text and ``data: [DONE]``, which is what
  the clients of this endpoint read (the original answers in chat's shape).
* What a chat model cannot do is a 400 naming the field instead of being
  dropped: token-array prompts, ``suffix`` (fill-in-the-middle), ``echo``,
  ``logprobs`` and ``best_of`` above 1.
"""

from __future__ import annotations

from typing import Any

import orjson

from omniroute.errors import GatewayError
from omniroute.wire import hub as hub_format
from omniroute.wire import openai_chat
from omniroute.wire.errors import error_body
from omniroute.wire.formats import WireFormat
from omniroute.wire.sse import SSE_DONE
from omniroute.wire.validation import expect_object, fail, optional_bool, optional_int
from services.edge.codecs import OpenAIChatCodec, StreamEncoder

Json = dict[str, Any]

# Legacy fields with no chat counterpart, checked here and never forwarded.
_LEGACY_ONLY = ("prompt", "suffix", "echo", "logprobs", "best_of")
_TEXT_ONLY = "send the prompt as text"


def request_to_hub(body: Json) -> Json:
    """A client's text completion body as a hub (chat) request, validated."""
    expect_object(body, "body")
    if "messages" in body and "prompt" not in body:
        raise fail(
            "prompt",
            "is required (a string or a list of strings); chat messages go to "
            "/v1/chat/completions",
        )
    prompt = _prompt(body.get("prompt"))
    if body.get("suffix"):
        raise fail(
            "suffix",
            "fill-in-the-middle is not available through the gateway's chat "
            "providers: send the prompt without a suffix",
        )
    if optional_bool(body.get("echo"), "echo"):
        raise fail("echo", "chat providers do not return the prompt; leave it out")
    if optional_int(body.get("logprobs"), "logprobs", minimum=0):
        raise fail(
            "logprobs",
            "not available on /v1/completions through the gateway; "
            "/v1/chat/completions takes logprobs: true",
        )
    if (optional_int(body.get("best_of"), "best_of", minimum=1) or 1) > 1:
        raise fail("best_of", "only 1 is available; use n for several choices")
    chat = {k: v for k, v in body.items() if k not in _LEGACY_ONLY}
    chat["messages"] = [{"role": "user", "content": prompt}]
    return openai_chat.request_to_hub(chat)


def _prompt(value: Any) -> str:
    if value is None:
        raise fail("prompt", "is required (a string or a list of strings)")
    if isinstance(value, list):
        if not value:
            raise fail("prompt", "at least one prompt is required")
        if not all(isinstance(item, str) for item in value):
            raise fail("prompt", f"token arrays are not supported: {_TEXT_ONLY}")
        value = "\n".join(value)
    if not isinstance(value, str):
        raise fail("prompt", f"expected a string or a list of strings: {_TEXT_ONLY}")
    if not value:
        raise fail("prompt", "must not be empty")
    return value


def _completion_id(chat_id: Any) -> str:
    if isinstance(chat_id, str) and chat_id:
        return "cmpl-" + chat_id.removeprefix("chatcmpl-")
    return hub_format.new_id("cmpl-")


def _head(chunk: Json) -> Json:
    head: Json = {
        "id": _completion_id(chunk.get("id")),
        "object": "text_completion",
        "created": chunk.get("created") or hub_format.now(),
        "model": chunk.get("model", ""),
    }
    if chunk.get("system_fingerprint"):
        head["system_fingerprint"] = chunk["system_fingerprint"]
    return head


def response_from_hub(answer: Json, model: str) -> Json:
    """A hub (chat) answer as a ``text_completion``."""
    out = _head({**answer, "model": answer.get("model") or model})
    out["choices"] = [
        {
            "text": hub_format.text_of((choice.get("message") or {}).get("content")),
            "index": choice.get("index", i),
            "logprobs": None,
            "finish_reason": choice.get("finish_reason"),
        }
        for i, choice in enumerate(answer.get("choices") or ())
    ]
    if answer.get("usage"):
        out["usage"] = answer["usage"]
    return out


class TextCompletionStream:
    """Hub chunks as ``text_completion`` chunks: one per text fragment or
    finish, the usage chunk only when the client asked for it."""

    def __init__(self, model: str, include_usage: bool) -> None:
        self._model = model
        self._include_usage = include_usage

    def feed(self, items: list[bytes]) -> bytes:
        out = bytearray()
        for item in items:
            chunk = _chunk(orjson.loads(item), self._model, self._include_usage)
            if chunk is not None:
                out += b"data: " + orjson.dumps(chunk) + b"\n\n"
        return bytes(out)

    def finish(self) -> bytes:
        return SSE_DONE

    def error(self, err: GatewayError) -> bytes:
        body = error_body(WireFormat.OPENAI_CHAT, err)
        return b"data: " + orjson.dumps(body) + b"\n\n"


def _chunk(chunk: Json, model: str, include_usage: bool) -> Json | None:
    out = _head({**chunk, "model": chunk.get("model") or model})
    choices = []
    for i, choice in enumerate(chunk.get("choices") or ()):
        text = hub_format.text_of((choice.get("delta") or {}).get("content"))
        finish = choice.get("finish_reason")
        if text or finish:
            choices.append(
                {
                    "text": text,
                    "index": choice.get("index", i),
                    "logprobs": None,
                    "finish_reason": finish,
                }
            )
    usage = chunk.get("usage")
    if choices:
        out["choices"] = choices
        if usage and include_usage:
            out["usage"] = usage
        return out
    if usage and include_usage and not chunk.get("choices"):
        return {**out, "choices": [], "usage": usage}
    return None  # a role-only or empty chunk: nothing a completion client reads


class TextCompletionCodec(OpenAIChatCodec):
    """The chat pipeline's codec for ``/v1/completions``: the hub is chat,
    so the dispatch is an ordinary chat one; only the shapes differ."""

    def to_hub(self, body: Json) -> Json:
        return request_to_hub(body)

    def response(
        self, body: bytes, model: str, request_id: str, passthrough: bool
    ) -> bytes:
        return orjson.dumps(response_from_hub(orjson.loads(body), model))

    def stream_encoder(
        self, hub: Json, model: str, request_id: str, passthrough: bool
    ) -> StreamEncoder:
        options = hub.get("stream_options") or {}
        return TextCompletionStream(model, bool(options.get("include_usage")))


TEXT_COMPLETION = TextCompletionCodec()
