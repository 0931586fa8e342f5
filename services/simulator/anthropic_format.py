"""Anthropic Messages: request parsing, ``message`` bodies, the SSE event
sequence (``message_start`` … ``message_stop``), token counting and the
Anthropic-shaped model list. The prompt cache's split of the input tokens
(``prompt_cache.py``, blocks from ``anthropic_blocks.py``) is rendered here."""

from __future__ import annotations

from typing import Any

from services.simulator.answers import (
    Answer,
    Finish,
    Prompt,
    Role,
    Turn,
)
from services.simulator.anthropic_blocks import prompt_blocks
from services.simulator.errors import Dialect, error_body
from services.simulator.frames import new_id, signature, sse
from services.simulator.parsing import model_of, positive_int, required, text_of
from services.simulator.prompt_cache import CacheUsage

STOP_REASONS = {
    Finish.STOP: "end_turn",
    Finish.LENGTH: "max_tokens",
    Finish.TOOL: "tool_use",
}


def parse_prompt(body: dict[str, Any]) -> Prompt:
    model = model_of(body)
    turns: list[Turn] = []
    system = text_of(body.get("system"))
    if system:
        turns.append(Turn(Role.SYSTEM, system))
    for message in required(body, "messages", list):
        if isinstance(message, dict):
            turns.append(_turn(message))
    tools = tuple(
        str(tool["name"])
        for tool in body.get("tools") or []
        if isinstance(tool, dict) and isinstance(tool.get("name"), str)
    )
    choice = body.get("tool_choice")
    forced: str | None = None
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind == "none":
            tools = ()
        elif kind == "any" and tools:
            forced = tools[0]
        elif kind == "tool" and isinstance(choice.get("name"), str):
            forced = choice["name"]
            tools = (choice["name"],)
    return Prompt(
        model, tuple(turns), tools, forced, positive_int(body.get("max_tokens"))
    )


_ROLES = {"assistant": Role.ASSISTANT, "system": Role.SYSTEM}


def _turn(message: dict[str, Any]) -> Turn:
    # Claude Code sends role "system" entries inside messages[] (after the
    # user turn); they are instructions, never the text to echo.
    role = _ROLES.get(str(message.get("role")), Role.USER)
    content = message.get("content")
    if isinstance(content, list):
        results = [
            text_of(block.get("content"))
            for block in content
            if isinstance(block, dict) and block.get("type") == "tool_result"
        ]
        if results:
            return Turn(role, " ".join(results), tool_result=True)
    return Turn(role, text_of(content))


def count_tokens(body: dict[str, Any]) -> dict[str, int]:
    """``/v1/messages/count_tokens``: the prompt-token rule of every format,
    plus the tool definitions (as ``/v1/messages`` bills them)."""
    parse_prompt(body)  # the same 400s as /v1/messages for a bad body
    return {"input_tokens": sum(block.tokens for block in prompt_blocks(body))}


def usage(cache: CacheUsage, output_tokens: int) -> dict[str, Any]:
    """The ``usage`` of a message: ``input_tokens`` excludes what was read
    from or written to the cache."""
    return {
        "input_tokens": cache.input_tokens,
        "cache_creation_input_tokens": cache.written_tokens,
        "cache_read_input_tokens": cache.read_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache.written_5m,
            "ephemeral_1h_input_tokens": cache.written_1h,
        },
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def delta_usage(cache: CacheUsage, output_tokens: int) -> dict[str, int]:
    """``message_delta``'s cumulative usage: the current API repeats the
    input counts there (without the per-TTL breakdown)."""
    return {
        "input_tokens": cache.input_tokens,
        "cache_creation_input_tokens": cache.written_tokens,
        "cache_read_input_tokens": cache.read_tokens,
        "output_tokens": output_tokens,
    }


def _blocks(answer: Answer, tool_id: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if answer.reasoning:
        text = answer.reasoning_text
        blocks.append(
            {"type": "thinking", "thinking": text, "signature": signature(text)}
        )
    if answer.tool_call is not None:
        call = answer.tool_call
        blocks.append(
            {"type": "tool_use", "id": tool_id, "name": call.name, "input": call.input}
        )
    else:
        blocks.append({"type": "text", "text": answer.content})
    return blocks


def message(answer: Answer, cache: CacheUsage) -> dict[str, Any]:
    """The non-streaming ``message`` object."""
    return {
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": answer.model,
        "content": _blocks(answer, new_id("toolu_")),
        "stop_reason": STOP_REASONS[answer.finish],
        "stop_sequence": None,
        "usage": usage(cache, answer.completion_tokens),
    }


def stream_frames(answer: Answer, cache: CacheUsage) -> list[bytes]:
    """Every SSE event of the streamed answer, ``ping`` after the first block
    start as the real API sends it."""
    start: dict[str, Any] = {
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": answer.model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage(cache, 1),
    }
    frames = [_event("message_start", message=start)]
    for index, block in enumerate(_blocks(answer, new_id("toolu_"))):
        frames.append(
            _event("content_block_start", index=index, content_block=_empty(block))
        )
        if index == 0:
            frames.append(_event("ping"))
        frames += [
            _event("content_block_delta", index=index, delta=d)
            for d in _deltas(answer, block)
        ]
        frames.append(_event("content_block_stop", index=index))
    delta = {"stop_reason": STOP_REASONS[answer.finish], "stop_sequence": None}
    frames.append(
        _event(
            "message_delta",
            delta=delta,
            usage=delta_usage(cache, answer.completion_tokens),
        )
    )
    frames.append(_event("message_stop"))
    return frames


def _empty(block: dict[str, Any]) -> dict[str, Any]:
    if block["type"] == "thinking":
        return {"type": "thinking", "thinking": "", "signature": ""}
    if block["type"] == "tool_use":
        return {**block, "input": {}}
    return {"type": "text", "text": ""}


def _deltas(answer: Answer, block: dict[str, Any]) -> list[dict[str, Any]]:
    if block["type"] == "thinking":
        thinking = [{"type": "thinking_delta", "thinking": p} for p in answer.reasoning]
        return [*thinking, {"type": "signature_delta", "signature": block["signature"]}]
    if block["type"] == "tool_use" and answer.tool_call is not None:
        return [
            {"type": "input_json_delta", "partial_json": p}
            for p in answer.tool_call.pieces
        ]
    return [{"type": "text_delta", "text": p} for p in answer.text]


def _event(kind: str, **fields: Any) -> bytes:
    return sse({"type": kind, **fields}, event=kind)


def stream_error(status: int, message: str, sent: int = 0) -> bytes:
    """The ``error`` event Anthropic sends mid-stream (e.g. overloaded)."""
    body = error_body(Dialect.ANTHROPIC, status, message)
    return sse({"type": "error", "error": body["error"]}, event="error")


def model_list(models: list[str]) -> dict[str, Any]:
    data = [
        {
            "type": "model",
            "id": m,
            "display_name": m,
            "created_at": "2025-01-01T00:00:00Z",
        }
        for m in models
    ]
    return {
        "data": data,
        "has_more": False,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }
