"""OpenAI Responses: request parsing, ``response`` bodies and the semantic
event stream (``response.created`` … ``response.completed``), every event
numbered by ``sequence_number``. Reasoning is a ``reasoning`` item with a
summary, streamed as ``response.reasoning_summary_text.delta`` events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.simulator.answers import Answer, Finish, Prompt, Role, Turn
from services.simulator.errors import Dialect, error_body
from services.simulator.frames import new_id, now, sse
from services.simulator.parsing import model_of, positive_int, text_of

_ROLES = {
    "system": Role.SYSTEM,
    "developer": Role.SYSTEM,
    "user": Role.USER,
    "assistant": Role.ASSISTANT,
}


def parse_prompt(body: dict[str, Any]) -> Prompt:
    model = model_of(body)
    turns: list[Turn] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        turns.append(Turn(Role.SYSTEM, instructions))
    items = body.get("input")
    if isinstance(items, str):
        turns.append(Turn(Role.USER, items))
    elif isinstance(items, list):
        turns += [turn for item in items if (turn := _turn(item)) is not None]
    tools = tuple(
        str(tool["name"])
        for tool in body.get("tools") or []
        if isinstance(tool, dict) and tool.get("type") == "function" and "name" in tool
    )
    choice = body.get("tool_choice")
    forced: str | None = None
    if choice == "none":
        tools = ()
    elif choice == "required" and tools:
        forced = tools[0]
    elif isinstance(choice, dict) and isinstance(choice.get("name"), str):
        forced = choice["name"]
        tools = (choice["name"],)
    limit = positive_int(body.get("max_output_tokens"))
    return Prompt(model, tuple(turns), tools, forced, limit)


def _turn(item: Any) -> Turn | None:
    if not isinstance(item, dict):
        return None
    kind = item.get("type", "message")
    if kind == "message":
        role = _ROLES.get(str(item.get("role")), Role.USER)
        return Turn(role, text_of(item.get("content")))
    if kind == "function_call_output":
        return Turn(Role.TOOL, text_of(item.get("output")), tool_result=True)
    if kind == "function_call":
        return Turn(Role.ASSISTANT)
    return None


def usage(answer: Answer, cached_tokens: int = 0) -> dict[str, Any]:
    """``cached_tokens``: the part of the input read from the prompt cache
    (``automatic_cache.py``), included in ``input_tokens``."""
    return {
        "input_tokens": answer.prompt_tokens,
        "input_tokens_details": {"cached_tokens": cached_tokens},
        "output_tokens": answer.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": answer.reasoning_tokens},
        "total_tokens": answer.total_tokens,
    }


@dataclass(slots=True)
class _Ids:
    response: str = field(default_factory=lambda: new_id("resp_", 32))
    reasoning: str = field(default_factory=lambda: new_id("rs_", 32))
    message: str = field(default_factory=lambda: new_id("msg_", 32))
    call_item: str = field(default_factory=lambda: new_id("fc_", 32))
    call: str = field(default_factory=lambda: new_id("call_"))


def _items(answer: Answer, ids: _Ids) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if answer.reasoning:
        summary = [{"type": "summary_text", "text": answer.reasoning_text}]
        items.append({"id": ids.reasoning, "type": "reasoning", "summary": summary})
    if answer.tool_call is not None:
        items.append(
            {
                "id": ids.call_item,
                "type": "function_call",
                "status": "completed",
                "arguments": answer.tool_call.arguments,
                "call_id": ids.call,
                "name": answer.tool_call.name,
            }
        )
    else:
        status = "incomplete" if answer.finish is Finish.LENGTH else "completed"
        items.append(
            {
                "id": ids.message,
                "type": "message",
                "status": status,
                "role": "assistant",
                "content": [_text_part(answer.content)],
            }
        )
    return items


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _response(
    answer: Answer,
    body: dict[str, Any],
    ids: _Ids,
    created: int,
    done: bool,
    cached_tokens: int = 0,
) -> dict[str, Any]:
    incomplete = answer.finish is Finish.LENGTH
    status = "in_progress"
    if done:
        status = "incomplete" if incomplete else "completed"
    return {
        "id": ids.response,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"}
        if done and incomplete
        else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": answer.model,
        "output": _items(answer, ids) if done else [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": usage(answer, cached_tokens) if done else None,
        "metadata": body.get("metadata") or {},
    }


def response(
    answer: Answer, body: dict[str, Any], cached_tokens: int = 0
) -> dict[str, Any]:
    """The non-streaming ``response`` object."""
    return _response(answer, body, _Ids(), now(), True, cached_tokens)


def stream_frames(
    answer: Answer, body: dict[str, Any], cached_tokens: int = 0
) -> list[bytes]:
    """Every SSE event of the streamed answer, numbered from 0."""
    ids, created = _Ids(), now()
    events: list[dict[str, Any]] = []
    add = events.append
    add(
        {
            "type": "response.created",
            "response": _response(answer, body, ids, created, False),
        }
    )
    add(
        {
            "type": "response.in_progress",
            "response": _response(answer, body, ids, created, False),
        }
    )
    for index, item in enumerate(_items(answer, ids)):
        events += _item_events(answer, item, index)
    final = _response(answer, body, ids, created, True, cached_tokens)
    kind = (
        "response.incomplete"
        if final["status"] == "incomplete"
        else "response.completed"
    )
    add({"type": kind, "response": final})
    return [
        sse({**event, "sequence_number": number}, event=event["type"])
        for number, event in enumerate(events)
    ]


def _ev(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": f"response.{kind}", **fields}


def _item_events(
    answer: Answer, item: dict[str, Any], index: int
) -> list[dict[str, Any]]:
    """added → the item's own events → done, for one output item."""
    at = {"item_id": item["id"], "output_index": index}
    events: list[dict[str, Any]] = []
    if item["type"] == "reasoning":
        events.append(
            _ev("output_item.added", output_index=index, item={**item, "summary": []})
        )
        part = {**at, "summary_index": 0}
        text = answer.reasoning_text
        empty = {"type": "summary_text", "text": ""}
        events.append(_ev("reasoning_summary_part.added", **part, part=empty))
        events += [
            _ev("reasoning_summary_text.delta", **part, delta=piece)
            for piece in answer.reasoning
        ]
        events.append(_ev("reasoning_summary_text.done", **part, text=text))
        full = {"type": "summary_text", "text": text}
        events.append(_ev("reasoning_summary_part.done", **part, part=full))
    elif item["type"] == "function_call" and answer.tool_call is not None:
        start = {**item, "status": "in_progress", "arguments": ""}
        events.append(_ev("output_item.added", output_index=index, item=start))
        call = answer.tool_call
        events += [
            _ev("function_call_arguments.delta", **at, delta=piece)
            for piece in call.pieces
        ]
        events.append(
            _ev("function_call_arguments.done", **at, arguments=call.arguments)
        )
    else:
        start = {**item, "status": "in_progress", "content": []}
        events.append(_ev("output_item.added", output_index=index, item=start))
        part = {**at, "content_index": 0}
        events.append(_ev("content_part.added", **part, part=_text_part("")))
        events += [
            _ev("output_text.delta", **part, delta=piece, logprobs=[])
            for piece in answer.text
        ]
        text = answer.content
        events.append(_ev("output_text.done", **part, text=text, logprobs=[]))
        events.append(_ev("content_part.done", **part, part=_text_part(text)))
    events.append(_ev("output_item.done", output_index=index, item=item))
    return events


def stream_error(status: int, message: str, sent: int = 0) -> bytes:
    """The ``error`` event the Responses API sends when a stream fails."""
    detail = error_body(Dialect.OPENAI, status, message)["error"]
    event = {
        "type": "error",
        "code": detail["code"] or detail["type"],
        "message": message,
        "param": None,
        "sequence_number": sent,
    }
    return sse(event, event="error")
