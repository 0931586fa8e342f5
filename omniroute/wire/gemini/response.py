"""Gemini ``GenerateContentResponse`` bodies, usage and finish reasons."""

from __future__ import annotations

from typing import Any

from omniroute.wire import hub
from omniroute.wire.gemini.request import field

Json = dict[str, Any]

_FINISH_TO_HUB = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "IMAGE_PROHIBITED_CONTENT": "content_filter",
}
# Gemini reports STOP for an answer made of function calls.
_FINISH_FROM_HUB = {
    "stop": "STOP",
    "tool_calls": "STOP",
    "length": "MAX_TOKENS",
    "content_filter": "SAFETY",
}


def finish_to_hub(reason: Any) -> str | None:
    """A Gemini ``finishReason`` as a hub finish reason."""
    if not reason or reason == "FINISH_REASON_UNSPECIFIED":
        return None
    return _FINISH_TO_HUB.get(str(reason), "stop")


def finish_from_hub(reason: str | None) -> str:
    """A hub finish reason as a Gemini ``finishReason``."""
    return _FINISH_FROM_HUB.get(reason or "stop", "STOP")


def usage_to_hub(usage: Any) -> Json | None:
    """Gemini ``usageMetadata`` as hub usage.

    Gemini counts thoughts apart from ``candidatesTokenCount``; the hub's
    ``completion_tokens`` includes them, as OpenAI's does.
    """
    if not isinstance(usage, dict):
        return None
    thoughts = hub.as_int(field(usage, "thoughtsTokenCount"))
    prompt = hub.as_int(field(usage, "promptTokenCount"))
    tool_prompt = hub.as_int(field(usage, "toolUsePromptTokenCount"))
    candidates = hub.as_int(field(usage, "candidatesTokenCount"))
    return hub.make_usage(
        prompt + tool_prompt,
        candidates + thoughts,
        cached=hub.as_int(field(usage, "cachedContentTokenCount")),
        reasoning=thoughts,
    )


def usage_from_hub(usage: Json | None) -> Json:
    """Hub usage as Gemini ``usageMetadata``."""
    prompt = hub.usage_part(usage, "prompt_tokens")
    completion = hub.usage_part(usage, "completion_tokens")
    thoughts = hub.usage_part(usage, "completion_tokens_details", "reasoning_tokens")
    cached = hub.usage_part(usage, "prompt_tokens_details", "cached_tokens")
    metadata: Json = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": max(completion - thoughts, 0),
        "totalTokenCount": prompt + completion,
    }
    if thoughts:
        metadata["thoughtsTokenCount"] = thoughts
    if cached:
        metadata["cachedContentTokenCount"] = cached
    return metadata


def function_call_part(call: Json) -> Json:
    """A hub tool call as a ``functionCall`` part (with its signature)."""
    function = call.get("function") or {}
    part: Json = {
        "functionCall": {
            "id": call.get("id") or hub.new_id("call_"),
            "name": function.get("name") or "",
            "args": hub.parse_arguments(function.get("arguments")),
        }
    }
    signature = ((call.get("extra_content") or {}).get("google") or {}).get(
        "thought_signature"
    )
    if signature:
        part["thoughtSignature"] = signature
    return part


def candidate(parts: list[Json], finish_reason: str | None = None) -> Json:
    """One candidate; ``finish_reason`` is a Gemini value or None mid-stream."""
    result: Json = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish_reason:
        result["finishReason"] = finish_reason
    return result


def response_from_hub(hub_response: Json, *, model: str) -> Json:
    """A hub answer as a Gemini ``GenerateContentResponse``."""
    choice = hub_response["choices"][0]
    message = choice.get("message") or {}
    parts: list[Json] = []
    if message.get("reasoning_content"):
        parts.append({"text": message["reasoning_content"], "thought": True})
    text = hub.text_of(message.get("content"))
    if text:
        parts.append({"text": text})
    parts += [function_call_part(call) for call in message.get("tool_calls") or []]
    return {
        "candidates": [candidate(parts, finish_from_hub(choice.get("finish_reason")))],
        "usageMetadata": usage_from_hub(hub_response.get("usage")),
        "modelVersion": model,
        "responseId": hub_response.get("id") or hub.new_id(""),
    }


def parts_to_hub(parts: Any) -> tuple[str, str, list[Json]]:
    """``(text, thought text, tool calls)`` of a candidate's parts."""
    text: list[str] = []
    thought: list[str] = []
    calls: list[Json] = []
    for part in parts if isinstance(parts, list) else []:
        call = field(part, "functionCall")
        if isinstance(call, dict):
            signature = field(part, "thoughtSignature")
            extra = {"google": {"thought_signature": signature}} if signature else None
            calls.append(
                hub.tool_call(
                    call.get("id") or hub.new_id("call_"),
                    call.get("name") or "",
                    hub.dumps(call.get("args") or {}),
                    extra,
                )
            )
        elif isinstance(part.get("text"), str):
            (thought if part.get("thought") else text).append(part["text"])
    return "".join(text), "".join(thought), calls


def response_to_hub(body: Json, *, model: str) -> Json:
    """A Gemini ``GenerateContentResponse`` as a hub ``chat.completion``."""
    candidates = body.get("candidates") or []
    first = candidates[0] if candidates else {}
    text, thought, calls = parts_to_hub(field(first.get("content"), "parts"))
    finish = finish_to_hub(field(first, "finishReason"))
    if not candidates and field(field(body, "promptFeedback"), "blockReason"):
        finish = "content_filter"  # the prompt itself was blocked
    if finish in (None, "stop") and calls:
        finish = "tool_calls"
    return hub.chat_completion(
        id=field(body, "responseId") or hub.new_id("chatcmpl-"),
        model=field(body, "modelVersion") or model,
        message=hub.assistant_message(text, reasoning=thought, tool_calls=calls),
        finish_reason=finish or "stop",
        usage=usage_to_hub(field(body, "usageMetadata")),
    )
