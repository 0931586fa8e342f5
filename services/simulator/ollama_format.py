"""Ollama ``/api/chat``: request parsing, the final JSON object, NDJSON
streams (``stream`` defaults to true, as in Ollama), and ``/api/tags``.

Thinking arrives in ``message.thinking``; tool calls arrive whole in one
chunk with arguments as an object. Durations are deterministic: 10 ms per
evaluated token, 1 ms per prompt token."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from services.simulator.answers import Answer, Finish, Prompt, Role, Turn
from services.simulator.errors import Dialect, error_body
from services.simulator.frames import ndjson, new_id
from services.simulator.parsing import model_of, positive_int, required, text_of

DONE_REASONS = {Finish.STOP: "stop", Finish.LENGTH: "length", Finish.TOOL: "stop"}
_ROLES = {
    "system": Role.SYSTEM,
    "user": Role.USER,
    "assistant": Role.ASSISTANT,
    "tool": Role.TOOL,
}
_NS_PER_MS = 1_000_000


def parse_prompt(body: dict[str, Any]) -> Prompt:
    model = model_of(body)
    turns: list[Turn] = []
    for message in required(body, "messages", list):
        if isinstance(message, dict):
            role = _ROLES.get(str(message.get("role")), Role.USER)
            turns.append(Turn(role, text_of(message.get("content")), role is Role.TOOL))
    tools = tuple(
        str(tool["function"]["name"])
        for tool in body.get("tools") or []
        if isinstance(tool, dict)
        and isinstance(tool.get("function"), dict)
        and "name" in tool["function"]
    )
    options = body.get("options") if isinstance(body.get("options"), dict) else {}
    limit = positive_int((options or {}).get("num_predict"))
    return Prompt(model, tuple(turns), tools, None, limit)


def wants_stream(body: dict[str, Any]) -> bool:
    return body.get("stream", True) is not False


def _created_at() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _tool_calls(answer: Answer) -> list[dict[str, Any]]:
    if answer.tool_call is None:
        return []
    call = answer.tool_call
    function = {"index": 0, "name": call.name, "arguments": call.input}
    return [{"id": new_id("call_", 8), "function": function}]


def _final(answer: Answer, message: dict[str, Any]) -> dict[str, Any]:
    prompt_ns = answer.prompt_tokens * _NS_PER_MS
    eval_ns = answer.completion_tokens * 10 * _NS_PER_MS
    return {
        "model": answer.model,
        "created_at": _created_at(),
        "message": message,
        "done": True,
        "done_reason": DONE_REASONS[answer.finish],
        "total_duration": prompt_ns + eval_ns + _NS_PER_MS,
        "load_duration": _NS_PER_MS,
        "prompt_eval_count": answer.prompt_tokens,
        "prompt_eval_duration": prompt_ns,
        "eval_count": answer.completion_tokens,
        "eval_duration": eval_ns,
    }


def chat(answer: Answer) -> dict[str, Any]:
    """The non-streaming ``/api/chat`` answer."""
    message: dict[str, Any] = {"role": "assistant", "content": answer.content}
    if answer.reasoning:
        message["thinking"] = answer.reasoning_text
    if answer.tool_call is not None:
        message["tool_calls"] = _tool_calls(answer)
    return _final(answer, message)


def stream_frames(answer: Answer) -> list[bytes]:
    """One NDJSON line per piece, then the ``done`` line with the counts."""

    def line(message: dict[str, Any]) -> bytes:
        return ndjson(
            {
                "model": answer.model,
                "created_at": _created_at(),
                "message": {"role": "assistant", "content": "", **message},
                "done": False,
            }
        )

    frames = [line({"thinking": piece}) for piece in answer.reasoning]
    frames += [line({"content": piece}) for piece in answer.text]
    if answer.tool_call is not None:
        frames.append(line({"tool_calls": _tool_calls(answer)}))
    frames.append(ndjson(_final(answer, {"role": "assistant", "content": ""})))
    return frames


def stream_error(status: int, message: str, sent: int = 0) -> bytes:
    return ndjson(error_body(Dialect.OLLAMA, status, message))


def tags(models: list[str]) -> dict[str, Any]:
    """``/api/tags``: the locally "pulled" models."""
    entries = []
    for model in models:
        name = model if ":" in model else f"{model}:latest"
        digest = hashlib.sha256(name.encode()).hexdigest()
        entries.append(
            {
                "name": name,
                "model": name,
                "modified_at": "2025-01-01T00:00:00Z",
                "size": 2_019_393_189,
                "digest": digest,
                "details": {
                    "parent_model": "",
                    "format": "gguf",
                    "family": "llama",
                    "families": ["llama"],
                    "parameter_size": "3.2B",
                    "quantization_level": "Q4_K_M",
                },
            }
        )
    return {"models": entries}
