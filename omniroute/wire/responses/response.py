"""OpenAI Responses ``response`` objects, usage and status, to and from the hub."""

from __future__ import annotations

from typing import Any

from omniroute.wire import hub

Json = dict[str, Any]

_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def usage_to_hub(usage: Any) -> Json | None:
    """Responses usage as hub usage."""
    if not isinstance(usage, dict):
        return None
    return hub.make_usage(
        hub.usage_part(usage, "input_tokens"),
        hub.usage_part(usage, "output_tokens"),
        cached=hub.usage_part(usage, "input_tokens_details", "cached_tokens"),
        reasoning=hub.usage_part(usage, "output_tokens_details", "reasoning_tokens"),
    )


def usage_from_hub(usage: Json | None) -> Json:
    """Hub usage as Responses usage."""
    prompt = hub.usage_part(usage, "prompt_tokens")
    completion = hub.usage_part(usage, "completion_tokens")
    result: Json = {
        "input_tokens": prompt,
        "input_tokens_details": {
            "cached_tokens": hub.usage_part(
                usage, "prompt_tokens_details", "cached_tokens"
            ),
            "cache_write_tokens": hub.usage_part(
                usage, "prompt_tokens_details", "cache_creation_tokens"
            ),
        },
        "output_tokens": completion,
        "output_tokens_details": {
            "reasoning_tokens": hub.usage_part(
                usage, "completion_tokens_details", "reasoning_tokens"
            )
        },
        "total_tokens": prompt + completion,
    }
    hub.copy_cost(usage, result)
    return result


def finish_to_hub(body: Json, has_calls: bool) -> str:
    """The hub finish reason of a finished ``response`` object."""
    if body.get("status") == "incomplete":
        reason = (body.get("incomplete_details") or {}).get("reason")
        return "content_filter" if reason == "content_filter" else "length"
    return "tool_calls" if has_calls else "stop"


def response_object(
    *,
    id: str,
    model: str,
    created_at: int,
    output: list[Json],
    finish_reason: str | None = None,
    usage: Json | None = None,
    status: str | None = None,
    error: Json | None = None,
) -> Json:
    """A Responses ``response`` snapshot.

    ``status`` defaults to what ``finish_reason`` implies: "incomplete" for
    length or content filter, "completed" otherwise.
    """
    incomplete = _INCOMPLETE.get(finish_reason or "")
    if status is None:
        status = "incomplete" if incomplete else "completed"
    return {
        "id": id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "error": error,
        "incomplete_details": {"reason": incomplete}
        if status == "incomplete"
        else None,
        "instructions": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "text": {"format": {"type": "text"}},
        "usage": usage_from_hub(usage) if usage is not None else None,
        "metadata": {},
    }


def item_status(finish_reason: str | None) -> str:
    """An output message's status: cut short answers are "incomplete"."""
    return "incomplete" if finish_reason in _INCOMPLETE else "completed"


def reasoning_item(item_id: str, text: str) -> Json:
    """A ``reasoning`` output item carrying the text as its summary."""
    summary = [{"type": "summary_text", "text": text}] if text else []
    return {"id": item_id, "type": "reasoning", "summary": summary}


def message_item(item_id: str, text: str | None, status: str = "completed") -> Json:
    """An assistant ``message`` output item (``text`` None: no content yet)."""
    content = [] if text is None else [output_text(text)]
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def output_text(text: str) -> Json:
    """An ``output_text`` content part."""
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def function_call_item(
    item_id: str, call_id: str, name: str, arguments: str, status: str = "completed"
) -> Json:
    """A ``function_call`` output item."""
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def response_id(request_id: str) -> str:
    """The id of the gateway's answer to ``request_id``, streamed or not: the
    one a later ``previous_response_id`` names."""
    return hub.with_prefix(request_id, "resp_")


def response_from_hub(
    hub_response: Json, *, model: str, request_id: str | None = None
) -> Json:
    """A hub answer as a Responses ``response``, named after ``request_id``
    (by default after the hub answer's own id)."""
    choice = hub_response["choices"][0]
    message = choice.get("message") or {}
    output: list[Json] = []
    if message.get("reasoning_content"):
        output.append(reasoning_item(hub.new_id("rs_"), message["reasoning_content"]))
    text = hub.text_of(message.get("content"))
    if text:
        status = item_status(choice.get("finish_reason"))
        output.append(message_item(hub.new_id("msg_"), text, status))
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        output.append(
            function_call_item(
                hub.new_id("fc_"),
                call.get("id") or hub.new_id("call_"),
                function.get("name") or "",
                function.get("arguments") or "",
            )
        )
    return response_object(
        id=response_id(request_id or hub_response.get("id") or hub.new_id("")),
        model=model,
        created_at=hub_response.get("created") or hub.now(),
        output=output,
        finish_reason=choice.get("finish_reason"),
        usage=hub.normalize_usage(hub_response.get("usage")) or hub.make_usage(),
    )


def response_to_hub(body: Json, *, model: str) -> Json:
    """A Responses ``response`` as a hub ``chat.completion``."""
    text: list[str] = []
    thought: list[str] = []
    calls: list[Json] = []
    for item in body.get("output") or []:
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    text.append(part.get("text") or "")
                elif part.get("type") == "refusal":
                    text.append(part.get("refusal") or "")
        elif kind == "reasoning":
            summary = [p.get("text") or "" for p in item.get("summary") or []]
            content = [p.get("text") or "" for p in item.get("content") or []]
            thought.append("\n\n".join(summary) if any(summary) else "".join(content))
        elif kind == "function_call":
            calls.append(
                hub.tool_call(
                    item.get("call_id") or item.get("id") or hub.new_id("call_"),
                    item.get("name") or "",
                    item.get("arguments") or "",
                )
            )
    return hub.chat_completion(
        id=body.get("id") or hub.new_id("resp_"),
        model=body.get("model") or model,
        created=body.get("created_at")
        if isinstance(body.get("created_at"), int)
        else None,
        message=hub.assistant_message(
            "".join(text),
            reasoning="\n\n".join(t for t in thought if t),
            tool_calls=calls,
        ),
        finish_reason=finish_to_hub(body, bool(calls)),
        usage=usage_to_hub(body.get("usage")),
    )
