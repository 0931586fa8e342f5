"""Ollama ``/api/chat`` requests: from clients into the hub, and back out.

Ollama differs from OpenAI in small ways that matter: ``stream`` defaults to
true, images are bare base64 strings beside the text, tool-call arguments are
JSON objects, tool calls have no ids, and sampling lives under ``options``.
"""

from __future__ import annotations

from typing import Any

from omniroute.errors import BadRequest
from omniroute.wire import cache_control, hub, media, reasoning
from omniroute.wire.validation import (
    expect_list,
    expect_object,
    expect_str,
    fail,
    optional_bool,
    optional_int,
    optional_number,
    require_model,
    set_if,
    stop_list,
)

Json = dict[str, Any]

_ROLES = ("system", "user", "assistant", "tool")
# options key -> hub key
_OPTIONS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
}


def request_to_hub(body: Json) -> Json:
    """A client's Ollama chat body as a hub request (validated)."""
    expect_object(body, "body")
    model = require_model(body)
    raw = body.get("messages")
    if raw is None:
        raise fail("messages", "is required")
    expect_list(raw, "messages")
    if not raw:
        raise fail("messages", "at least one message is required")
    stream = optional_bool(body.get("stream"), "stream")
    result: Json = {
        "model": model,
        "messages": _Messages().convert(raw),
        "stream": True if stream is None else stream,
    }
    options = body.get("options")
    if options is not None:
        _options(expect_object(options, "options"), result)
    if body.get("tools") is not None:
        result["tools"] = _tools(body["tools"])
    fmt = body.get("format")
    if fmt == "json":
        result["response_format"] = {"type": "json_object"}
    elif isinstance(fmt, dict):
        spec = {"name": "response", "schema": fmt}
        result["response_format"] = {"type": "json_schema", "json_schema": spec}
    think = body.get("think")
    if isinstance(think, bool):
        result["thinking_budget"] = reasoning.DYNAMIC if think else 0
    elif isinstance(think, str):
        result["reasoning_effort"] = think
    return result


class _Messages:
    """Converts messages, giving tool calls ids (Ollama has none).

    A tool result answers the oldest unanswered call of its ``tool_name``
    (or simply the oldest one when the client did not name it).
    """

    def __init__(self) -> None:
        self.counter = 0
        self.pending: list[tuple[str, str]] = []

    def convert(self, raw: list[Any]) -> list[Json]:
        return [self._message(m, f"messages.{i}") for i, m in enumerate(raw)]

    def _message(self, message: Any, path: str) -> Json:
        expect_object(message, path)
        role = message.get("role")
        if role not in _ROLES:
            raise fail(f"{path}.role", f"expected one of {', '.join(_ROLES)}")
        content = message.get("content") or ""
        expect_str(content, f"{path}.content")
        if role == "assistant":
            calls = self._calls(message.get("tool_calls"), f"{path}.tool_calls")
            thinking = message.get("thinking")
            return hub.assistant_message(
                content,
                reasoning=thinking if isinstance(thinking, str) else "",
                tool_calls=calls,
            )
        if role == "tool":
            name = message.get("tool_name") or message.get("name") or ""
            return {
                "role": "tool",
                "tool_call_id": self._answer(str(name), message.get("tool_call_id")),
                "name": name,
                "content": content,
            }
        images = message.get("images") or []
        if not images:
            return {"role": role, "content": content}
        parts: list[Json] = [{"type": "text", "text": content}] if content else []
        for i, image in enumerate(expect_list(images, f"{path}.images")):
            data = expect_str(image, f"{path}.images.{i}")
            url = media.data_url(media.sniff_mime(data), data)
            parts.append({"type": "image_url", "image_url": {"url": url}})
        return {"role": role, "content": parts}

    def _calls(self, raw: Any, path: str) -> list[Json]:
        calls = []
        for i, call in enumerate(expect_list(raw, path) if raw is not None else []):
            expect_object(call, f"{path}.{i}")
            function = expect_object(call.get("function"), f"{path}.{i}.function")
            name = expect_str(function.get("name"), f"{path}.{i}.function.name")
            arguments = function.get("arguments") or {}
            text = arguments if isinstance(arguments, str) else hub.dumps(arguments)
            call_id = call.get("id") or f"call_{self.counter}"
            self.counter += 1
            self.pending.append((call_id, name))
            calls.append(hub.tool_call(call_id, name, text))
        return calls

    def _answer(self, name: str, call_id: Any) -> str:
        for k, (pending_id, pending_name) in enumerate(self.pending):
            by_name = call_id is None and (not name or pending_name == name)
            if pending_id == call_id or by_name:
                del self.pending[k]
                return pending_id
        if isinstance(call_id, str):
            return call_id
        self.counter += 1
        return f"call_{self.counter - 1}"


def _options(options: Json, result: Json) -> None:
    for key, hub_key in _OPTIONS.items():
        set_if(result, hub_key, optional_number(options.get(key), f"options.{key}"))
    limit = optional_int(options.get("num_predict"), "options.num_predict")
    if limit is not None and limit > 0:  # -1 and -2 mean "no limit" in Ollama
        result["max_tokens"] = limit
    set_if(result, "stop", stop_list(options.get("stop"), "options.stop"))


def _tools(tools: Any) -> list[Json]:
    result = []
    for i, tool in enumerate(expect_list(tools, "tools")):
        expect_object(tool, f"tools.{i}")
        function = expect_object(tool.get("function"), f"tools.{i}.function")
        expect_str(function.get("name"), f"tools.{i}.function.name")
        result.append({"type": "function", "function": function})
    return result


def request_from_hub(hub_request: Json, *, model: str) -> Json:
    """A hub request as an Ollama chat body for ``model``."""
    names = hub.tool_names_by_id(hub_request["messages"])
    body: Json = {
        "model": model,
        "messages": [_provider_message(m, names) for m in hub_request["messages"]],
        "stream": bool(hub_request.get("stream")),
    }
    options: Json = {}
    for key, hub_key in _OPTIONS.items():
        set_if(options, key, hub_request.get(hub_key))
    set_if(options, "num_predict", hub_request.get("max_tokens"))
    if hub_request.get("stop"):
        options["stop"] = list(hub_request["stop"])
    if options:
        body["options"] = options
    # Ollama has no tool_choice; "none" is honoured by not offering tools.
    if hub_request.get("tools") and hub_request.get("tool_choice") != "none":
        # Prompt-cache markers mean nothing to Ollama.
        body["tools"] = [cache_control.without(tool) for tool in hub_request["tools"]]
    response_format = hub_request.get("response_format") or {}
    if response_format.get("type") == "json_object":
        body["format"] = "json"
    elif response_format.get("type") == "json_schema":
        body["format"] = (response_format.get("json_schema") or {}).get(
            "schema"
        ) or "json"
    budget = reasoning.requested_budget(hub_request)
    if budget is not None:
        effort = hub_request.get("reasoning_effort")
        # Only gpt-oss takes a level; other thinking models take a switch.
        wants_level = "gpt-oss" in model and isinstance(effort, str)
        body["think"] = effort if wants_level else budget != 0
    return body


def _provider_message(message: Json, names: dict[str, str]) -> Json:
    role = message.get("role")
    if role == "developer":
        role = "system"
    result: Json = {"role": role, "content": hub.text_of(message.get("content"))}
    if role == "assistant":
        set_if(result, "thinking", message.get("reasoning_content") or None)
        calls = [
            {
                "function": {
                    "name": (call.get("function") or {}).get("name") or "",
                    "arguments": hub.parse_arguments(
                        (call.get("function") or {}).get("arguments")
                    ),
                }
            }
            for call in message.get("tool_calls") or []
        ]
        if calls:
            result["tool_calls"] = calls
    elif role == "tool":
        call_id = message.get("tool_call_id") or ""
        result["tool_name"] = names.get(call_id) or message.get("name") or ""
    else:
        images = [_image(part) for part in hub.content_parts(message.get("content"))]
        images = [image for image in images if image]
        if images:
            result["images"] = images
    return result


def _image(part: Json) -> str:
    if part.get("type") != "image_url":
        return ""
    url = str((part.get("image_url") or {}).get("url") or "")
    inline = media.parse_data_url(url)
    if inline is None:
        # Ollama reads only inline base64 and the executor does not fetch.
        raise BadRequest(
            "Ollama models accept only inline (base64 data URL) images",
            param="messages",
        )
    return inline[1]
