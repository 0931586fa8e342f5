"""The hub format: OmniRoute's one internal shape for chat, OpenAI Chat shaped.

Every client format is translated to the hub at the edge and every provider
format from the hub in the executor, so N formats need 2N translators, not N².

Request (``chat.completion`` request body)::

    model            the client's model string, untouched
    stream           bool
    messages         [{role, content, ...}]
      system / developer   content: str | [{"type": "text", "text"}]
      user                 content: str | [part]; parts are
                           {"type": "text", "text"},
                           {"type": "image_url", "image_url": {"url", "detail"?}}
                             (url is "data:<mime>;base64,<b64>" or "https://..."),
                           {"type": "file", "file": {"file_data": <data url>,
                                                      "filename"?}}
      assistant            content: str | None,
                           reasoning_content?: str   (DeepSeek style),
                           reasoning_signature?: str (Anthropic thinking
                                                      signature, opaque),
                           tool_calls?: [{"id", "type": "function",
                                          "function": {"name", "arguments": str},
                                          "extra_content"?: {"google":
                                              {"thought_signature"}}}]
      tool                 tool_call_id, content: str | [part], name?
      any message          cache_control?  (a breakpoint after its last block)
    tools            [{"type": "function", "function": {name, description?,
                                                        parameters?},
                       "cache_control"?}]
    tool_choice      "auto" | "none" | "required" |
                     {"type": "function", "function": {"name"}}
    parallel_tool_calls, temperature, top_p, top_k, max_tokens, stop: [str],
    seed, presence_penalty, frequency_penalty, response_format, user,
    stream_options
    reasoning_effort "minimal" | "low" | "medium" | "high"
    thinking_budget  int tokens; 0 turns thinking off, -1 lets the model decide
    cached_content   a Gemini context cache name, "cachedContents/..."

Prompt-cache breakpoints: ``cache_control`` is ``{"type": "ephemeral",
"ttl"?: "5m" | "1h"}`` and may sit on any content part of a system,
developer, user or tool message, on a message, or on a tool (see
``cache_control``). Only Anthropic upstreams receive them (the last four;
a 1h one after a 5m one becomes 5m); only Gemini ones get ``cached_content``.

Response: an OpenAI ``chat.completion`` with one choice whose message may
carry ``reasoning_content``, ``reasoning_signature`` and ``tool_calls``;
``finish_reason`` is one of ``FINISH_REASONS``; ``usage`` is a hub usage dict
(see ``make_usage``): OpenAI's, with ``cache_creation_tokens`` and
``cache_creation_1h_tokens`` beside ``prompt_tokens_details.cached_tokens``.

Stream: OpenAI ``chat.completion.chunk`` objects. The first delta carries
``role``; a tool call's first delta carries ``index``, ``id``, ``type`` and
``function.name`` and later ones only ``index`` and argument text. The chunk
with ``finish_reason`` comes once, then one last chunk with ``choices: []``
and ``usage``. The edge adds ``usage.cost`` (USD) to that chunk before a
client's encoder sees it, so the stream's last usage event says what the
request cost (OpenAI's usage keeps it as sent, as OpenRouter's does;
Anthropic's ``message_delta`` and Responses' ``response.completed`` copy it).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson

FINISH_REASONS = ("stop", "length", "tool_calls", "content_filter")

Json = dict[str, Any]


def _token() -> str:
    return uuid.uuid4().hex[:24]


def new_id(prefix: str) -> str:
    """A fresh unique id such as ``chatcmpl-3f2a...`` or ``call_9b1c...``."""
    return prefix + _token()


def now() -> int:
    """Unix seconds, as OpenAI's ``created``."""
    return int(time.time())


def with_prefix(value: str, prefix: str) -> str:
    """``value`` carrying ``prefix`` exactly once (``msg_`` ids, ``resp_`` ids)."""
    return value if value.startswith(prefix) else prefix + value


def dumps(value: Any) -> str:
    """Compact JSON text (tool-call arguments, SSE payloads)."""
    return orjson.dumps(value).decode()


def parse_arguments(arguments: Any) -> dict[str, Any]:
    """Tool-call arguments as an object, for formats that want JSON objects.

    Models sometimes produce invalid or non-object JSON; the raw text is kept
    under ``"arguments"`` rather than silently dropped.
    """
    if isinstance(arguments, dict):
        return arguments
    if not isinstance(arguments, str) or not arguments.strip():
        return {}
    try:
        value = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return {"arguments": arguments}
    return value if isinstance(value, dict) else {"value": value}


def make_usage(
    prompt: int = 0,
    completion: int = 0,
    *,
    cached: int = 0,
    cache_creation: int = 0,
    cache_creation_1h: int = 0,
    reasoning: int = 0,
) -> Json:
    """A hub usage dict.

    ``prompt`` includes cache reads (``cached``) but not cache writes
    (``cache_creation``, reported apart, of which ``cache_creation_1h`` were
    written with the 1-hour lifetime); ``completion`` includes ``reasoning``.
    """
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {
            "cached_tokens": cached,
            "cache_creation_tokens": cache_creation,
            "cache_creation_1h_tokens": cache_creation_1h,
        },
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


def as_int(value: Any) -> int:
    """``value`` if it is an integer (not a bool), else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def normalize_usage(usage: Any) -> Json | None:
    """An OpenAI-style usage object as a complete hub usage dict (or None)."""
    if not isinstance(usage, dict):
        return None
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    result = make_usage(
        as_int(usage.get("prompt_tokens")),
        as_int(usage.get("completion_tokens")),
        cached=as_int(prompt_details.get("cached_tokens")),
        cache_creation=as_int(prompt_details.get("cache_creation_tokens")),
        cache_creation_1h=as_int(prompt_details.get("cache_creation_1h_tokens")),
        reasoning=as_int(completion_details.get("reasoning_tokens")),
    )
    if as_int(usage.get("total_tokens")) > result["total_tokens"]:
        result["total_tokens"] = usage["total_tokens"]
    return result


def copy_cost(usage: Json | None, into: Json) -> None:
    """Copies a hub usage's ``cost`` (USD, set by the edge on a stream's last
    usage) into a client format's usage object."""
    cost = usage.get("cost") if isinstance(usage, dict) else None
    if isinstance(cost, float | int) and not isinstance(cost, bool):
        into["cost"] = cost


def usage_part(usage: Json | None, *path: str) -> int:
    """One number of a hub usage dict, 0 when absent."""
    value: Any = usage
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return as_int(value)


def text_of(content: Any) -> str:
    """The text of a hub content value (string or list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text") or ""
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def content_parts(content: Any) -> list[Json]:
    """A hub content value as a list of parts (a string is one text part)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if isinstance(content, list):
        return [part for part in content if isinstance(part, dict)]
    return []


def tool_names_by_id(messages: list[Json]) -> dict[str, str]:
    """Tool-call id → function name, for formats whose results need the name."""
    names: dict[str, str] = {}
    for message in messages:
        for call in message.get("tool_calls") or []:
            names[call.get("id", "")] = call.get("function", {}).get("name", "")
    return names


def chat_completion(
    *,
    id: str,
    model: str,
    message: Json,
    finish_reason: str | None,
    usage: Json | None,
    created: int | None = None,
) -> Json:
    """A hub ``chat.completion`` response."""
    return {
        "id": id,
        "object": "chat.completion",
        "created": now() if created is None else created,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": usage if usage is not None else make_usage(),
    }


def assistant_message(
    text: str,
    *,
    reasoning: str = "",
    signature: str = "",
    tool_calls: list[Json] | None = None,
) -> Json:
    """A hub assistant message; ``content`` is null only beside tool calls."""
    message: Json = {
        "role": "assistant",
        "content": text or (None if tool_calls else ""),
    }
    if reasoning:
        message["reasoning_content"] = reasoning
    if signature:
        message["reasoning_signature"] = signature
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def tool_call(id: str, name: str, arguments: str, extra: Json | None = None) -> Json:
    """A complete hub tool call."""
    call: Json = {
        "id": id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }
    if extra:
        call["extra_content"] = extra
    return call


def chunk(
    *,
    id: str,
    model: str,
    created: int,
    delta: Json | None = None,
    finish_reason: str | None = None,
) -> Json:
    """One hub ``chat.completion.chunk`` with a single choice."""
    return {
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish_reason}],
    }


def usage_chunk(*, id: str, model: str, created: int, usage: Json) -> Json:
    """The last chunk of a hub stream: no choices, only usage."""
    return {
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [],
        "usage": usage,
    }


class HubAccumulator:
    """Folds hub chunks into one hub ``chat.completion``.

    The edge uses it to answer a non-streaming client from a stream, the
    executor to answer non-streaming from a provider that only streams.
    """

    def __init__(self) -> None:
        self.id = ""
        self.model = ""
        self.created = 0
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.signature: list[str] = []
        self.finish_reason: str | None = None
        self.usage: Json | None = None
        self._calls: dict[int, Json] = {}
        self._signed_blocks = 0
        self._in_signature = False

    def feed(self, chunk: Json) -> None:
        """Adds one hub chunk."""
        self.id = self.id or chunk.get("id") or ""
        self.model = self.model or chunk.get("model") or ""
        self.created = self.created or as_int(chunk.get("created"))
        if chunk.get("usage"):
            self.usage = normalize_usage(chunk["usage"])
        for choice in chunk.get("choices") or []:
            self._add_delta(choice.get("delta") or {})
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def _add_delta(self, delta: Json) -> None:
        if delta.get("content"):
            self.text.append(delta["content"])
        if delta.get("reasoning_content"):
            self.reasoning.append(delta["reasoning_content"])
        if delta.get("reasoning_signature"):
            if not self._in_signature:
                self._signed_blocks += 1
            self.signature.append(delta["reasoning_signature"])
        self._in_signature = bool(delta.get("reasoning_signature"))
        for call in delta.get("tool_calls") or []:
            index = as_int(call.get("index"))
            slot = self._calls.setdefault(
                index, {"id": "", "name": "", "arguments": [], "extra": None}
            )
            function = call.get("function") or {}
            slot["id"] = slot["id"] or call.get("id") or ""
            slot["name"] = slot["name"] or function.get("name") or ""
            if function.get("arguments"):
                slot["arguments"].append(function["arguments"])
            if call.get("extra_content"):
                slot["extra"] = call["extra_content"]

    def tool_calls(self) -> list[Json]:
        """The complete tool calls seen so far, in index order."""
        return [
            tool_call(
                slot["id"] or new_id("call_"),
                slot["name"],
                "".join(slot["arguments"]),
                slot["extra"],
            )
            for _, slot in sorted(self._calls.items())
        ]

    def response(self) -> Json:
        """The hub ``chat.completion`` for everything fed so far."""
        calls = self.tool_calls()
        finish = self.finish_reason or ("tool_calls" if calls else "stop")
        return chat_completion(
            id=self.id or new_id("chatcmpl-"),
            model=self.model,
            created=self.created or None,
            message=assistant_message(
                "".join(self.text),
                reasoning="".join(self.reasoning),
                # Several signed thinking blocks (interleaved thinking) cannot
                # be replayed as one; unsigned, they are simply not replayed.
                signature="".join(self.signature) if self._signed_blocks == 1 else "",
                tool_calls=calls,
            ),
            finish_reason=finish,
            usage=self.usage,
        )


def chunks_from_response(response: Json) -> list[Json]:
    """A hub ``chat.completion`` replayed as hub chunks (cache hits, streams)."""
    common: Json = {
        "id": response.get("id") or new_id("chatcmpl-"),
        "model": response.get("model") or "",
        "created": as_int(response.get("created")) or now(),
    }
    choice = (response.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    first: Json = {"role": "assistant"}
    for key in ("reasoning_content", "reasoning_signature"):
        if message.get(key):
            first[key] = message[key]
    first["content"] = message.get("content") or ""
    chunks = [chunk(**common, delta=first)]
    for index, call in enumerate(message.get("tool_calls") or []):
        chunks.append(chunk(**common, delta={"tool_calls": [{"index": index, **call}]}))
    chunks.append(chunk(**common, finish_reason=choice.get("finish_reason") or "stop"))
    usage = normalize_usage(response.get("usage")) or make_usage()
    chunks.append(usage_chunk(**common, usage=usage))
    return chunks
