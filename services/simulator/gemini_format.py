"""Gemini ``generateContent`` / ``streamGenerateContent``: request parsing
(camelCase and snake_case fields, as the REST API accepts both), response
bodies with ``candidates`` and ``usageMetadata``, SSE (``alt=sse``) or JSON
array streams, and the model list.

Thought parts are ``{"text": …, "thought": true}``; when the model thinks,
the first answer part carries a ``thoughtSignature``. Function calls arrive
whole in one chunk (Gemini does not split arguments) with finish reason
``STOP``."""

from __future__ import annotations

from typing import Any

import orjson

from services.simulator.answers import Answer, Finish, Prompt, Role, Turn, prompt_tokens
from services.simulator.errors import Dialect, error_body
from services.simulator.frames import dumps, new_id, signature, sse
from services.simulator.parsing import positive_int, required

FINISH_REASONS = {Finish.STOP: "STOP", Finish.LENGTH: "MAX_TOKENS", Finish.TOOL: "STOP"}


def _get(body: dict[str, Any], camel: str, snake: str) -> Any:
    return body.get(camel, body.get(snake))


def parse_prompt(body: dict[str, Any], model: str) -> Prompt:
    turns: list[Turn] = []
    system = _get(body, "systemInstruction", "system_instruction")
    if isinstance(system, dict):
        turns.append(Turn(Role.SYSTEM, _parts_text(system.get("parts"))))
    elif isinstance(system, str):
        turns.append(Turn(Role.SYSTEM, system))
    for content in required(body, "contents", list):
        if isinstance(content, dict):
            turns.append(_turn(content))
    tools = tuple(
        str(declaration["name"])
        for tool in body.get("tools") or []
        if isinstance(tool, dict)
        for declaration in _get(tool, "functionDeclarations", "function_declarations")
        or []
        if isinstance(declaration, dict) and "name" in declaration
    )
    config = _get(body, "toolConfig", "tool_config") or {}
    calling = _get(config, "functionCallingConfig", "function_calling_config") or {}
    mode = str(calling.get("mode", "AUTO")).upper()
    allowed = _get(calling, "allowedFunctionNames", "allowed_function_names") or []
    forced: str | None = None
    if mode == "NONE":
        tools = ()
    elif mode == "ANY":
        tools = tuple(str(name) for name in allowed) or tools
        forced = tools[0] if tools else None
    generation = _get(body, "generationConfig", "generation_config") or {}
    limit = positive_int(_get(generation, "maxOutputTokens", "max_output_tokens"))
    return Prompt(model, tuple(turns), tools, forced, limit)


def _turn(content: dict[str, Any]) -> Turn:
    role = Role.ASSISTANT if content.get("role") == "model" else Role.USER
    parts = [p for p in content.get("parts") or [] if isinstance(p, dict)]
    results = [
        _result_text(response)
        for part in parts
        if isinstance(
            response := _get(part, "functionResponse", "function_response"), dict
        )
    ]
    if results:
        return Turn(role, " ".join(results), tool_result=True)
    return Turn(role, _parts_text(parts))


def _parts_text(parts: Any) -> str:
    if not isinstance(parts, list):
        return ""
    return " ".join(
        p["text"]
        for p in parts
        if isinstance(p, dict)
        and isinstance(p.get("text"), str)
        and not p.get("thought")
    )


def _result_text(function_response: dict[str, Any]) -> str:
    """A function response's text: its ``output``/``result``/``content``
    string when it has one, else the compact JSON (sorted keys) of it."""
    response = function_response.get("response")
    if isinstance(response, dict):
        for key in ("output", "result", "content"):
            if isinstance(response.get(key), str):
                return str(response[key])
    return orjson.dumps(response, option=orjson.OPT_SORT_KEYS).decode()


def count_tokens(body: dict[str, Any], model: str) -> dict[str, int]:
    request = body.get("generateContentRequest", body)
    if "contents" not in request:
        request = {**request, "contents": []}
    return {"totalTokens": prompt_tokens(parse_prompt(request, model).turns)}


def usage(answer: Answer, done: bool = True) -> dict[str, Any]:
    meta: dict[str, Any] = {"promptTokenCount": answer.prompt_tokens}
    if done:
        meta["candidatesTokenCount"] = (
            answer.completion_tokens - answer.reasoning_tokens
        )
        meta["totalTokenCount"] = answer.total_tokens
        if answer.reasoning_tokens:
            meta["thoughtsTokenCount"] = answer.reasoning_tokens
    else:
        meta["totalTokenCount"] = answer.prompt_tokens
    meta["promptTokensDetails"] = [
        {"modality": "TEXT", "tokenCount": answer.prompt_tokens}
    ]
    return meta


def _answer_parts(answer: Answer, texts: tuple[str, ...]) -> list[dict[str, Any]]:
    if answer.tool_call is not None:
        call = answer.tool_call
        return [{"functionCall": {"name": call.name, "args": call.input}}]
    return [{"text": text} for text in texts]


def _chunk(
    answer: Answer,
    parts: list[dict[str, Any]],
    response_id: str,
    finish: bool,
) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "content": {"parts": parts, "role": "model"},
        "index": 0,
    }
    if finish:
        candidate["finishReason"] = FINISH_REASONS[answer.finish]
    return {
        "candidates": [candidate],
        "usageMetadata": usage(answer, done=finish),
        "modelVersion": answer.model,
        "responseId": response_id,
    }


def _sign(answer: Answer, parts: list[dict[str, Any]]) -> None:
    if answer.reasoning and parts:
        parts[0]["thoughtSignature"] = signature(answer.reasoning_text)


def response(answer: Answer) -> dict[str, Any]:
    """The non-streaming ``GenerateContentResponse``."""
    parts = _answer_parts(answer, (answer.content,))
    _sign(answer, parts)
    if answer.reasoning:
        parts.insert(0, {"text": answer.reasoning_text, "thought": True})
    return _chunk(answer, parts, new_id("", 22), finish=True)


def stream_chunks(answer: Answer) -> list[dict[str, Any]]:
    """One ``GenerateContentResponse`` per piece; the last carries the
    finish reason and the complete usage."""
    response_id = new_id("", 22)
    pieces = [[{"text": p, "thought": True}] for p in answer.reasoning]
    answer_parts = [[part] for part in _answer_parts(answer, answer.text)]
    if answer_parts:
        _sign(answer, answer_parts[0])
    pieces += answer_parts
    last = len(pieces) - 1
    return [
        _chunk(answer, parts, response_id, i == last) for i, parts in enumerate(pieces)
    ]


def sse_frames(answer: Answer) -> list[bytes]:
    """``alt=sse``: one ``data:`` event per chunk, lines ended by CRLF."""
    return [sse(chunk, crlf=True) for chunk in stream_chunks(answer)]


def array_frames(answer: Answer) -> list[bytes]:
    """Without ``alt=sse`` the API streams one JSON array, element by element."""
    chunks = [dumps(chunk) for chunk in stream_chunks(answer)]
    return [b"[" + chunks[0], *(b",\r\n" + c for c in chunks[1:]), b"]"]


def stream_error(status: int, message: str, sent: int = 0) -> bytes:
    return sse(error_body(Dialect.GEMINI, status, message), crlf=True)


def model_entry(model: str) -> dict[str, Any]:
    embedding = "embed" in model
    methods = ["embedContent"] if embedding else ["generateContent", "countTokens"]
    return {
        "name": f"models/{model}",
        "version": "001",
        "displayName": model,
        "description": f"Simulated model {model}.",
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 8192 if embedding else 65_536,
        "supportedGenerationMethods": methods,
    }


def model_list(models: list[str]) -> dict[str, Any]:
    return {"models": [model_entry(m) for m in models]}
