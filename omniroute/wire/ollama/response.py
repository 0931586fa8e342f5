"""Ollama chat answers (``done: true`` objects) to and from the hub."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from omniroute.wire import hub
from omniroute.wire.reasoning import ThinkTagSplitter

Json = dict[str, Any]


def timestamp() -> str:
    """Ollama's ``created_at``: RFC 3339 in UTC."""
    return datetime.fromtimestamp(hub.now(), UTC).isoformat().replace("+00:00", "Z")


def done_reason_to_hub(reason: Any, has_calls: bool) -> str:
    """Ollama ``done_reason`` as a hub finish reason."""
    if reason == "length":
        return "length"
    return "tool_calls" if has_calls else "stop"


def usage_to_hub(body: Json) -> Json:
    """Ollama's token counts as hub usage."""
    return hub.make_usage(
        hub.as_int(body.get("prompt_eval_count")), hub.as_int(body.get("eval_count"))
    )


def final_fields(finish_reason: str | None, usage: Json | None) -> Json:
    """The closing fields of an Ollama answer (``done``, reason, counts)."""
    return {
        "done": True,
        "done_reason": "length" if finish_reason == "length" else "stop",
        "total_duration": 0,
        "load_duration": 0,
        "prompt_eval_count": hub.usage_part(usage, "prompt_tokens"),
        "prompt_eval_duration": 0,
        "eval_count": hub.usage_part(usage, "completion_tokens"),
        "eval_duration": 0,
    }


def tool_calls_from_hub(calls: list[Json]) -> list[Json]:
    """Hub tool calls as Ollama ones (arguments as objects)."""
    return [
        {
            "function": {
                "name": (call.get("function") or {}).get("name") or "",
                "arguments": hub.parse_arguments(
                    (call.get("function") or {}).get("arguments")
                ),
            }
        }
        for call in calls
    ]


def response_from_hub(hub_response: Json, *, model: str) -> Json:
    """A hub answer as an Ollama chat response."""
    choice = hub_response["choices"][0]
    message = choice.get("message") or {}
    out: Json = {"role": "assistant", "content": hub.text_of(message.get("content"))}
    if message.get("reasoning_content"):
        out["thinking"] = message["reasoning_content"]
    if message.get("tool_calls"):
        out["tool_calls"] = tool_calls_from_hub(message["tool_calls"])
    return {
        "model": model,
        "created_at": timestamp(),
        "message": out,
        **final_fields(choice.get("finish_reason"), hub_response.get("usage")),
    }


def tool_calls_to_hub(raw: Any) -> list[Json]:
    """Ollama tool calls as hub ones, with fresh ids."""
    calls = []
    for call in raw if isinstance(raw, list) else []:
        function = call.get("function") or {}
        arguments = function.get("arguments") or {}
        text = arguments if isinstance(arguments, str) else hub.dumps(arguments)
        calls.append(
            hub.tool_call(
                call.get("id") or hub.new_id("call_"), function.get("name") or "", text
            )
        )
    return calls


def response_to_hub(body: Json, *, model: str) -> Json:
    """An Ollama chat response as a hub ``chat.completion``."""
    message = body.get("message") or {}
    text = message.get("content") or ""
    thought = message.get("thinking") or ""
    if not thought and text:
        # Thinking models asked without "think" put it inline in <think> tags.
        splitter = ThinkTagSplitter()
        pieces = [splitter.feed(text), splitter.flush()]
        thought = "".join(p[0] for p in pieces)
        text = "".join(p[1] for p in pieces)
    calls = tool_calls_to_hub(message.get("tool_calls"))
    return hub.chat_completion(
        id=hub.new_id("chatcmpl-"),
        model=body.get("model") or model,
        message=hub.assistant_message(text, reasoning=thought, tool_calls=calls),
        finish_reason=done_reason_to_hub(body.get("done_reason"), bool(calls)),
        usage=usage_to_hub(body),
    )
