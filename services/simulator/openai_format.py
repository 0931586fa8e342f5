"""OpenAI Chat Completions: request parsing, ``chat.completion`` bodies and
``chat.completion.chunk`` streams (ending with ``data: [DONE]``).

Reasoning models answer with the OpenAI-compatible ``reasoning_content``
field (DeepSeek, vLLM, OpenRouter), since OpenAI's own chat API hides it.
"""

from __future__ import annotations

from typing import Any

from services.simulator.answers import Answer, Finish, Prompt, Role, Turn
from services.simulator.errors import Dialect, error_body
from services.simulator.frames import SSE_DONE, new_id, now, sse
from services.simulator.parsing import model_of, positive_int, required, text_of

FINISH_REASONS = {
    Finish.STOP: "stop",
    Finish.LENGTH: "length",
    Finish.TOOL: "tool_calls",
}
SYSTEM_FINGERPRINT = "fp_sim0001"
_ROLES = {
    "system": Role.SYSTEM,
    "developer": Role.SYSTEM,
    "user": Role.USER,
    "assistant": Role.ASSISTANT,
    "tool": Role.TOOL,
    "function": Role.TOOL,
}


def parse_prompt(body: dict[str, Any]) -> Prompt:
    model = model_of(body)
    turns: list[Turn] = []
    for message in required(body, "messages", list):
        if not isinstance(message, dict):
            continue
        role = _ROLES.get(str(message.get("role")), Role.USER)
        text = text_of(message.get("content"))
        turns.append(Turn(role, text, tool_result=role is Role.TOOL))
    tools = tuple(
        str(tool["function"]["name"])
        for tool in body.get("tools") or []
        if isinstance(tool, dict)
        and isinstance(tool.get("function"), dict)
        and "name" in tool["function"]
    )
    choice = body.get("tool_choice")
    forced: str | None = None
    if choice == "none":
        tools = ()
    elif choice == "required" and tools:
        forced = tools[0]
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        forced = str(choice["function"].get("name") or "") or None
        tools = (forced,) if forced else tools
    limit = positive_int(body.get("max_completion_tokens")) or positive_int(
        body.get("max_tokens")
    )
    return Prompt(model, tuple(turns), tools, forced, limit)


def usage(answer: Answer, cached_tokens: int = 0) -> dict[str, Any]:
    """``cached_tokens``: the part of the prompt read from the prompt cache
    (``automatic_cache.py``), included in ``prompt_tokens``."""
    return {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "total_tokens": answer.total_tokens,
        "prompt_tokens_details": {"cached_tokens": cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": answer.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def completion(answer: Answer, cached_tokens: int = 0) -> dict[str, Any]:
    """The non-streaming ``chat.completion`` object."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": None if answer.tool_call else answer.content,
        "refusal": None,
        "annotations": [],
    }
    if answer.reasoning:
        message["reasoning_content"] = answer.reasoning_text
    if answer.tool_call is not None:
        message["tool_calls"] = [
            {
                "id": new_id("call_"),
                "type": "function",
                "function": {
                    "name": answer.tool_call.name,
                    "arguments": answer.tool_call.arguments,
                },
            }
        ]
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": now(),
        "model": answer.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": FINISH_REASONS[answer.finish],
            }
        ],
        "usage": usage(answer, cached_tokens),
        "service_tier": "default",
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }


def stream_frames(
    answer: Answer, include_usage: bool, cached_tokens: int = 0
) -> list[bytes]:
    """Every SSE frame of the streamed answer, ``[DONE]`` included."""
    base = {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion.chunk",
        "created": now(),
        "model": answer.model,
        "service_tier": "default",
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        body: dict[str, Any] = {**base, "choices": [choice]}
        if include_usage:
            body["usage"] = None
        return sse(body)

    frames = [chunk({"role": "assistant", "content": "", "refusal": None})]
    frames += [chunk({"reasoning_content": piece}) for piece in answer.reasoning]
    frames += [chunk({"content": piece}) for piece in answer.text]
    if answer.tool_call is not None:
        call = answer.tool_call
        head = {
            "index": 0,
            "id": new_id("call_"),
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        frames.append(chunk({"tool_calls": [head]}))
        frames += [
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            for piece in call.pieces
        ]
    frames.append(chunk({}, FINISH_REASONS[answer.finish]))
    if include_usage:
        final_usage = usage(answer, cached_tokens)
        frames.append(sse({**base, "choices": [], "usage": final_usage}))
    frames.append(SSE_DONE)
    return frames


def stream_error(status: int, message: str, sent: int = 0) -> bytes:
    """An error in the middle of a stream, as OpenAI sends it (then nothing)."""
    return sse(error_body(Dialect.OPENAI, status, message))


def model_list(models: list[str]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "sim"}
            for m in models
        ],
    }
