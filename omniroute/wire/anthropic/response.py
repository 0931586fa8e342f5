"""Anthropic Messages full answers, usage and stop reasons."""

from __future__ import annotations

from typing import Any

from omniroute.wire import hub

Json = dict[str, Any]

_STOP_TO_HUB = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
_STOP_FROM_HUB = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}


def stop_to_hub(reason: Any) -> str | None:
    """Anthropic ``stop_reason`` as a hub finish reason."""
    return None if reason is None else _STOP_TO_HUB.get(str(reason), "stop")


def stop_from_hub(reason: str | None) -> str:
    """A hub finish reason as Anthropic ``stop_reason``."""
    return _STOP_FROM_HUB.get(reason or "stop", "end_turn")


def usage_to_hub(usage: Any) -> Json:
    """Anthropic usage as hub usage.

    Anthropic's ``input_tokens`` excludes cached tokens; the hub's
    ``prompt_tokens`` (OpenAI's meaning) includes cache reads, while cache
    writes stay apart in ``cache_creation_tokens``, of which the writes with
    the 1-hour lifetime (priced apart) are ``cache_creation_1h_tokens``.
    """
    usage = usage if isinstance(usage, dict) else {}
    read = hub.usage_part(usage, "cache_read_input_tokens")
    details = usage.get("output_tokens_details")
    return hub.make_usage(
        hub.usage_part(usage, "input_tokens") + read,
        hub.usage_part(usage, "output_tokens"),
        cached=read,
        cache_creation=hub.usage_part(usage, "cache_creation_input_tokens"),
        cache_creation_1h=hub.usage_part(
            usage, "cache_creation", "ephemeral_1h_input_tokens"
        ),
        reasoning=hub.usage_part(details, "thinking_tokens"),
    )


def usage_from_hub(usage: Json | None) -> Json:
    """Hub usage as Anthropic usage (the inverse of ``usage_to_hub``)."""
    cached = hub.usage_part(usage, "prompt_tokens_details", "cached_tokens")
    writes = hub.usage_part(usage, "prompt_tokens_details", "cache_creation_tokens")
    long_writes = hub.usage_part(
        usage, "prompt_tokens_details", "cache_creation_1h_tokens"
    )
    result: Json = {
        "input_tokens": max(hub.usage_part(usage, "prompt_tokens") - cached, 0),
        "output_tokens": hub.usage_part(usage, "completion_tokens"),
        "cache_creation_input_tokens": writes,
        "cache_read_input_tokens": cached,
        "cache_creation": {
            "ephemeral_5m_input_tokens": max(writes - long_writes, 0),
            "ephemeral_1h_input_tokens": long_writes,
        },
    }
    hub.copy_cost(usage, result)
    return result


def response_from_hub(hub_response: Json, *, model: str) -> Json:
    """A hub answer as an Anthropic ``message``."""
    choice = hub_response["choices"][0]
    message = choice.get("message") or {}
    content: list[Json] = []
    if message.get("reasoning_content") or message.get("reasoning_signature"):
        content.append(
            {
                "type": "thinking",
                "thinking": message.get("reasoning_content") or "",
                "signature": message.get("reasoning_signature") or "",
            }
        )
    text = hub.text_of(message.get("content"))
    if text:
        content.append({"type": "text", "text": text})
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        content.append(
            {
                "type": "tool_use",
                "id": call.get("id") or hub.new_id("toolu_"),
                "name": function.get("name") or "",
                "input": hub.parse_arguments(function.get("arguments")),
            }
        )
    return {
        "id": hub.with_prefix(hub_response.get("id") or hub.new_id(""), "msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_from_hub(choice.get("finish_reason")),
        "stop_sequence": None,
        "usage": usage_from_hub(hub_response.get("usage")),
    }


def response_to_hub(body: Json, *, model: str) -> Json:
    """An Anthropic ``message`` as a hub ``chat.completion``."""
    text: list[str] = []
    thought: list[str] = []
    signatures: list[str] = []
    calls = []
    for block in body.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            text.append(block.get("text") or "")
        elif kind == "thinking":
            thought.append(block.get("thinking") or "")
            signatures.append(block.get("signature") or "")
        elif kind == "tool_use":
            calls.append(
                hub.tool_call(
                    block.get("id") or hub.new_id("toolu_"),
                    block.get("name") or "",
                    hub.dumps(block.get("input") or {}),
                )
            )
    return hub.chat_completion(
        id=body.get("id") or hub.new_id("msg_"),
        model=body.get("model") or model,
        message=hub.assistant_message(
            "".join(text),
            reasoning="".join(thought),
            # Several thinking blocks (interleaved thinking) cannot be replayed
            # as one signed block; unsigned, they are simply not replayed.
            signature=signatures[0] if len(signatures) == 1 else "",
            tool_calls=calls,
        ),
        finish_reason=stop_to_hub(body.get("stop_reason"))
        or ("tool_calls" if calls else "stop"),
        usage=usage_to_hub(body.get("usage")),
    )
