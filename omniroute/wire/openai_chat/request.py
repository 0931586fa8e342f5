"""OpenAI Chat Completions requests: validated into the hub, and back out.

The hub is OpenAI Chat shaped, so both directions are close to identity: the
client side checks the shape (so a bad body is a clear 400 here, not a vague
one from a provider) and normalises spellings; the provider side keeps only
fields OpenAI knows, since it rejects unknown top-level parameters.
"""

from __future__ import annotations

from typing import Any

from omniroute.wire import cache_control, hub, reasoning
from omniroute.wire.validation import (
    expect_list,
    expect_object,
    expect_str,
    fail,
    optional_bool,
    optional_int,
    optional_number,
    require_model,
    stop_list,
)

Json = dict[str, Any]

_ROLES = ("system", "developer", "user", "assistant", "tool")
_PART_TYPES = ("text", "image_url", "input_audio", "file")
_TOOL_CHOICES = ("none", "auto", "required")


def request_to_hub(body: Json) -> Json:
    """A client's Chat Completions body as a hub request (validated)."""
    expect_object(body, "body")
    require_model(body)
    messages = body.get("messages")
    if messages is None:
        raise fail("messages", "is required")
    expect_list(messages, "messages")
    if not messages:
        raise fail("messages", "at least one message is required")
    hub_request = dict(body)
    hub_request["messages"] = [
        _message(message, f"messages.{i}") for i, message in enumerate(messages)
    ]
    hub_request["stream"] = bool(optional_bool(body.get("stream"), "stream"))
    if body.get("stream_options") is not None:
        expect_object(body["stream_options"], "stream_options")
    for key in ("temperature", "top_p", "presence_penalty", "frequency_penalty"):
        optional_number(body.get(key), key)
    for key in ("max_tokens", "max_completion_tokens", "n", "seed"):
        optional_int(body.get(key), key, minimum=0 if key == "seed" else 1)
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    hub_request.pop("max_completion_tokens", None)
    if limit is not None:
        hub_request["max_tokens"] = limit
    stop = stop_list(body.get("stop"), "stop")
    if stop is not None:
        hub_request["stop"] = stop
    if body.get("tools") is not None:
        hub_request["tools"] = _tools(body["tools"])
    if body.get("tool_choice") is not None:
        _check_tool_choice(body["tool_choice"])
    return hub_request


def _message(message: Any, path: str) -> Json:
    expect_object(message, path)
    role = message.get("role")
    if role not in _ROLES:
        raise fail(f"{path}.role", f"expected one of {', '.join(_ROLES)}")
    # OpenRouter / LiteLLM clients mark a prompt-cache breakpoint on a
    # message or a part; the hub keeps it for Anthropic upstreams.
    result = cache_control.copy(dict(message), message, path)
    content = message.get("content")
    if role == "assistant":
        if content is not None:
            result["content"] = _content(content, f"{path}.content")
            _lift_marker(result)
        if message.get("tool_calls") is not None:
            result["tool_calls"] = _tool_calls(
                message["tool_calls"], f"{path}.tool_calls"
            )
        return result
    if content is None:
        raise fail(f"{path}.content", "is required")
    result["content"] = _content(content, f"{path}.content")
    if role == "tool":
        expect_str(message.get("tool_call_id"), f"{path}.tool_call_id")
    return result


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
        if kind not in _PART_TYPES:
            raise fail(f"{part_path}.type", f"unsupported content part type {kind!r}")
        if kind == "text":
            expect_str(part.get("text"), f"{part_path}.text")
        shaped = _image_part(part, part_path) if kind == "image_url" else dict(part)
        parts.append(cache_control.copy(shaped, part, part_path))
    return parts


def _lift_marker(message: Json) -> None:
    """Moves a marker on an assistant part to the message, where the hub
    keeps it: an assistant message's text goes upstream as one block."""
    parts = message["content"]
    if not isinstance(parts, list):
        return
    markers = [cache_control.marker_of(part) for part in parts]
    marked = [marker for marker in markers if marker is not None]
    if marked:
        message.setdefault(cache_control.KEY, marked[-1])
        message["content"] = cache_control.content_without(parts)


def _image_part(part: Json, path: str) -> Json:
    image = part.get("image_url")
    # Some clients send the URL as a bare string; OpenAI wants an object.
    if isinstance(image, str):
        image = {"url": image}
    image = expect_object(image, f"{path}.image_url")
    expect_str(image.get("url"), f"{path}.image_url.url")
    return {"type": "image_url", "image_url": image}


def _tool_calls(calls: Any, path: str) -> list[Json]:
    result = []
    for i, call in enumerate(expect_list(calls, path)):
        call_path = f"{path}.{i}"
        expect_object(call, call_path)
        function = expect_object(call.get("function"), f"{call_path}.function")
        name = expect_str(function.get("name"), f"{call_path}.function.name")
        arguments = function.get("arguments", "")
        if not isinstance(arguments, str):
            arguments = hub.dumps(arguments)
        call_id = expect_str(call.get("id"), f"{call_path}.id")
        extra = call.get("extra_content")
        result.append(hub.tool_call(call_id, name, arguments, extra))
    return result


def _tools(tools: Any) -> list[Json]:
    result = []
    for i, tool in enumerate(expect_list(tools, "tools")):
        expect_object(tool, f"tools.{i}")
        if tool.get("type", "function") != "function":
            raise fail(f"tools.{i}.type", "only function tools are supported")
        function = expect_object(tool.get("function"), f"tools.{i}.function")
        expect_str(function.get("name"), f"tools.{i}.function.name")
        if function.get("parameters") is not None:
            expect_object(function["parameters"], f"tools.{i}.function.parameters")
        entry = {"type": "function", "function": function}
        result.append(cache_control.copy(entry, tool, f"tools.{i}"))
    return result


def _check_tool_choice(choice: Any) -> None:
    if isinstance(choice, str):
        if choice not in _TOOL_CHOICES:
            raise fail("tool_choice", f"expected one of {', '.join(_TOOL_CHOICES)}")
        return
    expect_object(choice, "tool_choice")
    function = expect_object(choice.get("function"), "tool_choice.function")
    expect_str(function.get("name"), "tool_choice.function.name")


# Parameters OpenAI's Chat Completions accepts; anything else (hub extensions,
# other formats' fields) is an "Unrecognized request argument" 400 upstream.
_OPENAI_FIELDS = frozenset(
    {
        "messages", "stream", "stream_options", "temperature", "top_p", "n",
        "stop", "max_tokens", "presence_penalty", "frequency_penalty",
        "logit_bias", "logprobs", "top_logprobs", "response_format", "seed",
        "tools", "tool_choice", "parallel_tool_calls", "user",
        "reasoning_effort", "service_tier", "metadata", "store", "prediction",
        "modalities", "audio", "web_search_options", "verbosity",
        "safety_identifier", "prompt_cache_key",
    }
)  # fmt: skip


def request_from_hub(hub_request: Json, *, model: str) -> Json:
    """A hub request as an OpenAI Chat Completions body for ``model``."""
    body: Json = {"model": model}
    for key, value in hub_request.items():
        if key in _OPENAI_FIELDS and value is not None:
            body[key] = value
    body["messages"] = [_provider_message(m) for m in hub_request["messages"]]
    if body.get("tools"):
        # OpenAI rejects unknown fields, cache_control among them.
        body["tools"] = [cache_control.without(tool) for tool in body["tools"]]
    body["stream"] = bool(hub_request.get("stream"))
    if body["stream"]:
        # Usage arrives only when asked for; metering needs it on every stream.
        asked = hub_request.get("stream_options")
        body["stream_options"] = {
            **(asked if isinstance(asked, dict) else {}),
            "include_usage": True,
        }
    else:
        body.pop("stream_options", None)
    reasoning_model = reasoning.is_openai_reasoning_model(model)
    if reasoning_model:
        # These models want max_completion_tokens and refuse sampling knobs;
        # most OpenAI-compatible servers only know max_tokens.
        if "max_tokens" in body:
            body["max_completion_tokens"] = body.pop("max_tokens")
        for key in ("temperature", "top_p", "presence_penalty", "frequency_penalty"):
            body.pop(key, None)
    effort = reasoning.requested_effort(hub_request)
    if reasoning_model and effort is not None and "reasoning_effort" not in body:
        body["reasoning_effort"] = "minimal" if effort == "none" else effort
    if not reasoning_model:
        body.pop("reasoning_effort", None)
    return body


def _provider_message(message: Json) -> Json:
    result = {
        key: value
        for key, value in message.items()
        if key not in ("reasoning_content", "reasoning_signature", cache_control.KEY)
    }
    if "content" in result:
        result["content"] = cache_control.content_without(result["content"])
    if result.get("role") == "developer":
        result["role"] = "system"
    if result.get("tool_calls"):
        result["tool_calls"] = [
            {k: v for k, v in call.items() if k != "extra_content"}
            for call in result["tool_calls"]
        ]
    return result
