"""Gemini ``generateContent`` requests from clients, validated into the hub.

Gemini's REST API accepts both camelCase and snake_case field names (proto
JSON); clients use either, so both are read.
"""

from __future__ import annotations

import re
from typing import Any

from omniroute.wire import hub, media, reasoning
from omniroute.wire.gemini.schema import from_gemini_schema
from omniroute.wire.validation import (
    expect_list,
    expect_object,
    expect_str,
    fail,
    optional_int,
    optional_number,
    optional_str,
    set_if,
    stop_list,
)

Json = dict[str, Any]

_SNAKE = re.compile(r"([A-Z])")
_CHOICE = {"AUTO": "auto", "ANY": "required", "NONE": "none", "VALIDATED": "auto"}
_LEVEL_EFFORT = {"MINIMAL": "minimal", "LOW": "low", "MEDIUM": "medium", "HIGH": "high"}


def field(obj: Any, name: str) -> Any:
    """``obj[name]`` under its camelCase or snake_case spelling."""
    if not isinstance(obj, dict):
        return None
    if name in obj:
        return obj[name]
    return obj.get(_SNAKE.sub(r"_\1", name).lower())


def request_to_hub(
    body: Json, *, model: str, stream: bool, require_contents: bool = True
) -> Json:
    """A client's Gemini body as a hub request (model and stream from the URL).

    ``require_contents=False`` accepts a body without contents, as
    ``countTokens`` does (its count is then the system prompt and tools).
    """
    expect_object(body, "body")
    contents = field(body, "contents")
    if contents is None:
        if require_contents:
            raise fail("contents", "is required")
        contents = []
    expect_list(contents, "contents", non_empty=require_contents)
    messages: list[Json] = []
    system = field(body, "systemInstruction")
    if system is not None:
        text = _system_text(system)
        if text:
            messages.append({"role": "system", "content": text})
    messages += _Contents().convert(contents)
    result: Json = {"model": model, "messages": messages, "stream": stream}
    config = field(body, "generationConfig")
    if config is not None:
        _generation_config(expect_object(config, "generationConfig"), result)
    tools = _tools(field(body, "tools"))
    if tools:
        result["tools"] = tools
    calling = field(field(body, "toolConfig"), "functionCallingConfig")
    if isinstance(calling, dict):
        _tool_choice(calling, result)
    # A context cache made with the cachedContents API, used by name.
    cached = optional_str(field(body, "cachedContent"), "cachedContent")
    if cached:
        result["cached_content"] = cached
    return result


def _system_text(system: Any) -> str:
    if isinstance(system, str):
        return system
    parts = field(expect_object(system, "systemInstruction"), "parts") or []
    return "\n".join(str(p.get("text") or "") for p in parts if isinstance(p, dict))


class _Contents:
    """Turns ``contents`` into hub messages, giving tool calls stable ids.

    Gemini ids are optional; a result without one answers the oldest
    unanswered call of the same name.
    """

    def __init__(self) -> None:
        self.counter = 0
        self.pending: list[tuple[str, str]] = []

    def convert(self, contents: list[Any]) -> list[Json]:
        messages: list[Json] = []
        for i, content in enumerate(contents):
            path = f"contents.{i}"
            expect_object(content, path)
            role = content.get("role") or "user"
            if role not in ("user", "model", "function", "tool"):
                raise fail(f"{path}.role", "expected one of user, model")
            parts = expect_list(field(content, "parts"), f"{path}.parts")
            for j, part in enumerate(parts):
                expect_object(part, f"{path}.parts.{j}")
            if role == "model":
                messages.append(self._model(parts, f"{path}.parts"))
            else:
                messages += self._user(parts, f"{path}.parts")
        return messages

    def _model(self, parts: list[Json], path: str) -> Json:
        text: list[str] = []
        thought: list[str] = []
        calls: list[Json] = []
        for j, part in enumerate(parts):
            call = field(part, "functionCall")
            if call is not None:
                call = expect_object(call, f"{path}.{j}.functionCall")
                name = expect_str(call.get("name"), f"{path}.{j}.functionCall.name")
                call_id = call.get("id") or f"call_{self.counter}"
                self.counter += 1
                self.pending.append((call_id, name))
                signature = field(part, "thoughtSignature")
                extra = (
                    {"google": {"thought_signature": signature}} if signature else None
                )
                arguments = hub.dumps(call.get("args") or {})
                calls.append(hub.tool_call(call_id, name, arguments, extra))
            elif isinstance(part.get("text"), str):
                (thought if part.get("thought") else text).append(part["text"])
        return hub.assistant_message(
            "".join(text), reasoning="".join(thought), tool_calls=calls
        )

    def _answer(self, name: str, call_id: Any) -> str:
        for k, (pending_id, pending_name) in enumerate(self.pending):
            if pending_id == call_id or (call_id is None and pending_name == name):
                del self.pending[k]
                return pending_id
        if isinstance(call_id, str):
            return call_id
        self.counter += 1
        return f"call_{self.counter - 1}"

    def _user(self, parts: list[Json], path: str) -> list[Json]:
        tools: list[Json] = []
        content: list[Json] = []
        for j, part in enumerate(parts):
            result = field(part, "functionResponse")
            if result is not None:
                result = expect_object(result, f"{path}.{j}.functionResponse")
                name = expect_str(
                    result.get("name"), f"{path}.{j}.functionResponse.name"
                )
                tools.append(
                    {
                        "role": "tool",
                        "tool_call_id": self._answer(name, result.get("id")),
                        "name": name,
                        "content": hub.dumps(result.get("response") or {}),
                    }
                )
            else:
                content += _user_part(part)
        if content or not tools:
            simple = all(p["type"] == "text" for p in content)
            value = hub.text_of(content) if simple else content
            tools.append({"role": "user", "content": value})
        return tools


def _user_part(part: Json) -> list[Json]:
    if isinstance(part.get("text"), str):
        return [{"type": "text", "text": part["text"]}]
    inline = field(part, "inlineData")
    if isinstance(inline, dict):
        mime = str(field(inline, "mimeType") or "application/octet-stream")
        url = media.data_url(mime, str(inline.get("data") or ""))
        return [_media_part(mime, url, data=True)]
    remote = field(part, "fileData")
    if isinstance(remote, dict):
        uri = str(field(remote, "fileUri") or "")
        mime = str(field(remote, "mimeType") or media.guess_mime(uri))
        return [_media_part(mime, uri, data=False)]
    return []  # executable code, video metadata and the like


def _media_part(mime: str, url: str, *, data: bool) -> Json:
    if mime.startswith("image/"):
        return {"type": "image_url", "image_url": {"url": url}}
    return {"type": "file", "file": {"file_data" if data else "file_url": url}}


def _generation_config(config: Json, result: Json) -> None:
    for name, key in (
        ("temperature", "temperature"),
        ("topP", "top_p"),
        ("topK", "top_k"),
    ):
        set_if(
            result,
            key,
            optional_number(field(config, name), f"generationConfig.{name}"),
        )
    for name, key in (
        ("presencePenalty", "presence_penalty"),
        ("frequencyPenalty", "frequency_penalty"),
    ):
        set_if(
            result,
            key,
            optional_number(field(config, name), f"generationConfig.{name}"),
        )
    limit = optional_int(
        field(config, "maxOutputTokens"), "generationConfig.maxOutputTokens", minimum=1
    )
    set_if(result, "max_tokens", limit)
    set_if(result, "seed", optional_int(field(config, "seed"), "generationConfig.seed"))
    set_if(
        result,
        "stop",
        stop_list(field(config, "stopSequences"), "generationConfig.stopSequences"),
    )
    if field(config, "responseMimeType") == "application/json":
        schema = field(config, "responseJsonSchema") or field(config, "responseSchema")
        if field(config, "responseJsonSchema") is None:
            schema = from_gemini_schema(schema)
        if isinstance(schema, dict):
            spec = {"name": "response", "schema": schema}
            result["response_format"] = {"type": "json_schema", "json_schema": spec}
        else:
            result["response_format"] = {"type": "json_object"}
    thinking = field(config, "thinkingConfig")
    if isinstance(thinking, dict):
        budget = field(thinking, "thinkingBudget")
        level = field(thinking, "thinkingLevel")
        if isinstance(budget, int) and not isinstance(budget, bool):
            result["thinking_budget"] = budget
        elif isinstance(level, str) and level.upper() in _LEVEL_EFFORT:
            result["reasoning_effort"] = _LEVEL_EFFORT[level.upper()]
        elif field(thinking, "includeThoughts") is True:
            result["thinking_budget"] = reasoning.DYNAMIC


def _tools(tools: Any) -> list[Json]:
    result = []
    for i, tool in enumerate(expect_list(tools, "tools") if tools is not None else []):
        declarations = field(expect_object(tool, f"tools.{i}"), "functionDeclarations")
        for j, declaration in enumerate(declarations or []):
            path = f"tools.{i}.functionDeclarations.{j}"
            expect_object(declaration, path)
            function: Json = {
                "name": expect_str(declaration.get("name"), f"{path}.name")
            }
            set_if(function, "description", declaration.get("description"))
            schema = field(declaration, "parametersJsonSchema")
            if schema is None and declaration.get("parameters") is not None:
                schema = from_gemini_schema(declaration["parameters"])
            set_if(function, "parameters", schema)
            result.append({"type": "function", "function": function})
    return result  # Google Search, code execution etc. run at Gemini only


def _tool_choice(calling: Json, result: Json) -> None:
    mode = str(calling.get("mode") or "AUTO").upper()
    allowed = field(calling, "allowedFunctionNames")
    if mode == "ANY" and isinstance(allowed, list) and len(allowed) == 1:
        result["tool_choice"] = {"type": "function", "function": {"name": allowed[0]}}
    elif mode in _CHOICE:
        result["tool_choice"] = _CHOICE[mode]
