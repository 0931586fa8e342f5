"""OpenAI Responses requests from clients, validated into the hub."""

from __future__ import annotations

from typing import Any

from omniroute.wire import hub
from omniroute.wire.validation import (
    expect_list,
    expect_object,
    expect_str,
    fail,
    optional_bool,
    optional_int,
    optional_number,
    optional_str,
    require_model,
    set_if,
)

Json = dict[str, Any]

_MESSAGE_ROLES = ("user", "assistant", "system", "developer")


def request_to_hub(body: Json) -> Json:
    """A client's Responses body as a hub request (validated).

    ``previous_response_id`` and ``store`` are conversation state, which the
    edge keeps (``services/edge/conversations.py``); translation ignores them.
    """
    expect_object(body, "body")
    model = require_model(body)
    raw = body.get("input")
    if raw is None:
        raise fail("input", "is required")
    messages: list[Json] = []
    instructions = optional_str(body.get("instructions"), "instructions")
    if instructions:
        messages.append({"role": "system", "content": instructions})
    if isinstance(raw, str):
        messages.append({"role": "user", "content": raw})
    else:
        messages += _Items().convert(expect_list(raw, "input", non_empty=True))
    result: Json = {
        "model": model,
        "messages": messages,
        "stream": bool(optional_bool(body.get("stream"), "stream")),
    }
    limit = optional_int(body.get("max_output_tokens"), "max_output_tokens", minimum=1)
    set_if(result, "max_tokens", limit)
    for key in ("temperature", "top_p"):
        set_if(result, key, optional_number(body.get(key), key))
    set_if(result, "parallel_tool_calls", body.get("parallel_tool_calls"))
    set_if(result, "user", body.get("safety_identifier") or body.get("user"))
    if body.get("tools") is not None:
        result["tools"] = _tools(body["tools"])
    if body.get("tool_choice") is not None:
        set_if(result, "tool_choice", _tool_choice(body["tool_choice"]))
    config = body.get("reasoning")
    if isinstance(config, dict) and isinstance(config.get("effort"), str):
        result["reasoning_effort"] = config["effort"]
    text = body.get("text")
    if isinstance(text, dict) and isinstance(text.get("format"), dict):
        set_if(result, "response_format", _response_format(text["format"]))
    return result


class _Items:
    """Folds Responses input items into hub messages.

    Items are flatter than chat messages: a reasoning item, an assistant
    message and function calls of one turn arrive as siblings and become one
    hub assistant message.
    """

    def __init__(self) -> None:
        self.messages: list[Json] = []
        self.reasoning: list[str] = []

    def convert(self, items: list[Any]) -> list[Json]:
        for i, item in enumerate(items):
            path = f"input.{i}"
            expect_object(item, path)
            kind = item.get("type", "message")
            if kind == "message":
                self._message(item, path)
            elif kind == "function_call":
                self._function_call(item, path)
            elif kind == "function_call_output":
                call_id = expect_str(item.get("call_id"), f"{path}.call_id")
                output = _content(item.get("output", ""), f"{path}.output")
                self.messages.append(
                    {"role": "tool", "tool_call_id": call_id, "content": output}
                )
            elif kind == "reasoning":
                self.reasoning.append(_reasoning_text(item))
            # Built-in tool calls, item references and other item types have
            # no hub equivalent; same-format pass-through keeps them.
        return self.messages

    def _assistant(self, *, new: bool) -> Json:
        thought = "\n\n".join(r for r in self.reasoning if r)
        self.reasoning = []
        last = self.messages[-1] if self.messages else None
        if not new and last is not None and last["role"] == "assistant":
            if thought:
                earlier = last.get("reasoning_content")
                last["reasoning_content"] = (
                    f"{earlier}\n\n{thought}" if earlier else thought
                )
            return last
        message = hub.assistant_message("", reasoning=thought)
        message["content"] = None
        self.messages.append(message)
        return message

    def _message(self, item: Json, path: str) -> None:
        role = item.get("role")
        if role not in _MESSAGE_ROLES:
            raise fail(f"{path}.role", f"expected one of {', '.join(_MESSAGE_ROLES)}")
        if "content" not in item:
            raise fail(f"{path}.content", "is required")
        content = _content(item["content"], f"{path}.content")
        if role != "assistant":
            self.messages.append({"role": role, "content": content})
            return
        message = self._assistant(new=True)
        message["content"] = hub.text_of(content)

    def _function_call(self, item: Json, path: str) -> None:
        call_id = expect_str(item.get("call_id"), f"{path}.call_id")
        name = expect_str(item.get("name"), f"{path}.name")
        arguments = item.get("arguments", "")
        if not isinstance(arguments, str):
            arguments = hub.dumps(arguments)
        message = self._assistant(new=False)
        message.setdefault("tool_calls", []).append(
            hub.tool_call(call_id, name, arguments)
        )


def _reasoning_text(item: Json) -> str:
    summary = [
        part.get("text") or ""
        for part in item.get("summary") or []
        if isinstance(part, dict)
    ]
    if any(summary):
        return "\n\n".join(summary)
    return "".join(
        part.get("text") or ""
        for part in item.get("content") or []
        if isinstance(part, dict)
    )


def _content(content: Any, path: str) -> str | list[Json]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise fail(path, "expected a string or a list of content parts")
    parts: list[Json] = []
    for i, part in enumerate(content):
        part_path = f"{path}.{i}"
        expect_object(part, part_path)
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            text = expect_str(part.get("text"), f"{part_path}.text")
            parts.append({"type": "text", "text": text})
        elif kind == "refusal":
            parts.append({"type": "text", "text": str(part.get("refusal") or "")})
        elif kind == "input_image":
            parts += _image(part, part_path)
        elif kind == "input_file":
            parts += _file(part)
        else:
            raise fail(f"{part_path}.type", f"unsupported content part type {kind!r}")
    return parts


def _image(part: Json, path: str) -> list[Json]:
    url = part.get("image_url")
    if url is None:
        if part.get("file_id"):
            raise fail(f"{path}.file_id", "uploaded files are not supported")
        raise fail(f"{path}.image_url", "is required")
    image: Json = {"url": expect_str(url, f"{path}.image_url")}
    set_if(image, "detail", part.get("detail"))
    return [{"type": "image_url", "image_url": image}]


def _file(part: Json) -> list[Json]:
    file: Json = {}
    set_if(file, "file_data", part.get("file_data"))
    set_if(file, "file_url", part.get("file_url"))
    set_if(file, "filename", part.get("filename"))
    return [{"type": "file", "file": file}] if file else []


def _tools(tools: Any) -> list[Json]:
    result = []
    for i, tool in enumerate(expect_list(tools, "tools")):
        expect_object(tool, f"tools.{i}")
        if tool.get("type") != "function":
            continue  # built-in tools (web search, files...) run at OpenAI only
        function: Json = {"name": expect_str(tool.get("name"), f"tools.{i}.name")}
        set_if(function, "description", tool.get("description"))
        if tool.get("parameters") is not None:
            function["parameters"] = expect_object(
                tool["parameters"], f"tools.{i}.parameters"
            )
        set_if(function, "strict", tool.get("strict"))
        result.append({"type": "function", "function": function})
    return result


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, str):
        if choice not in ("auto", "none", "required"):
            raise fail("tool_choice", "expected one of auto, none, required")
        return choice
    expect_object(choice, "tool_choice")
    if choice.get("type") == "function":
        name = expect_str(choice.get("name"), "tool_choice.name")
        return {"type": "function", "function": {"name": name}}
    return None  # allowed_tools / built-in tool choices: let the model pick


def _response_format(fmt: Json) -> Json | None:
    kind = fmt.get("type")
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        schema: Json = {"name": fmt.get("name") or "response"}
        for key in ("schema", "strict", "description"):
            set_if(schema, key, fmt.get(key))
        return {"type": "json_schema", "json_schema": schema}
    return None
