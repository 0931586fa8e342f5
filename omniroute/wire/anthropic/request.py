"""Anthropic Messages requests to the hub (edge) and from it (executor)."""

from __future__ import annotations

from typing import Any

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

_MIN_THINKING_BUDGET = 1024  # Anthropic rejects smaller budgets


def request_to_hub(body: Json) -> Json:
    """A client's Messages body as a hub request (validated)."""
    expect_object(body, "body")
    model = require_model(body)
    raw_messages = body.get("messages")
    if raw_messages is None:
        raise fail("messages", "is required")
    expect_list(raw_messages, "messages")
    if not raw_messages:
        raise fail("messages", "at least one message is required")
    system = _system_parts(body.get("system"), "system")
    turns: list[Json] = []
    for i, message in enumerate(raw_messages):
        path = f"messages.{i}"
        if isinstance(message, dict) and message.get("role") == "system":
            # Anthropic's API takes system entries inside messages[] (Claude
            # Code sends its agent list that way); the hub has one system
            # prompt, so they join it in the order they came.
            system += _system_parts(message.get("content"), f"{path}.content")
        else:
            turns += _message(message, path)
    messages: list[Json] = []
    if system:
        # A lone string system prompt stays a string, as the client sent it.
        lone = len(system) == 1 and isinstance(body.get("system"), str)
        messages.append(
            {"role": "system", "content": system[0]["text"] if lone else system}
        )
    messages += turns
    result: Json = {
        "model": model,
        "messages": messages,
        "stream": bool(optional_bool(body.get("stream"), "stream")),
    }
    set_if(
        result,
        "max_tokens",
        optional_int(body.get("max_tokens"), "max_tokens", minimum=1),
    )
    for key in ("temperature", "top_p", "top_k"):
        set_if(result, key, optional_number(body.get(key), key))
    set_if(result, "stop", stop_list(body.get("stop_sequences"), "stop_sequences"))
    if body.get("tools") is not None:
        result["tools"] = _tools(body["tools"])
    if body.get("tool_choice") is not None:
        _tool_choice(body["tool_choice"], result)
    _thinking(body, result)
    metadata = body.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("user_id"), str):
        result["user"] = metadata["user_id"]
    return result


def _system_parts(system: Any, path: str) -> list[Json]:
    """A system prompt (a string or text blocks) as hub text parts."""
    if system is None or isinstance(system, str):
        return [{"type": "text", "text": system}] if system else []
    parts = []
    for i, block in enumerate(expect_list(system, path)):
        expect_object(block, f"{path}.{i}")
        text = expect_str(block.get("text"), f"{path}.{i}.text")
        part = {"type": "text", "text": text}
        parts.append(cache_control.copy(part, block, f"{path}.{i}"))
    return parts


def _blocks(content: Any, path: str) -> list[Json]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise fail(path, "expected a string or a list of content blocks")
    for i, block in enumerate(content):
        expect_object(block, f"{path}.{i}")
        expect_str(block.get("type"), f"{path}.{i}.type")
    return content


def _message(message: Any, path: str) -> list[Json]:
    expect_object(message, path)
    role = message.get("role")
    if role not in ("user", "assistant"):
        raise fail(f"{path}.role", "expected one of user, assistant, system")
    if "content" not in message:
        raise fail(f"{path}.content", "is required")
    blocks = _blocks(message["content"], f"{path}.content")
    if role == "assistant":
        return [_assistant(blocks, f"{path}.content")]
    out: list[Json] = []
    parts: list[Json] = []
    for i, block in enumerate(blocks):
        block_path = f"{path}.content.{i}"
        if block["type"] == "tool_result":
            out.append(_tool_result(block, block_path))
        else:
            parts += _user_part(block, block_path)
    # Anthropic puts tool results inside the user turn; the hub wants them
    # as tool messages first, then whatever else the user said.
    if parts or not out:
        out.append({"role": "user", "content": _simplify(parts)})
    return out


def _simplify(parts: list[Json]) -> str | list[Json]:
    # A marker lives on a part, so marked parts cannot become a string.
    if any(cache_control.carries(part) for part in parts):
        return parts
    if all(part["type"] == "text" for part in parts):
        return "".join(part["text"] for part in parts) if len(parts) <= 1 else parts
    return parts


def _user_part(block: Json, path: str) -> list[Json]:
    kind = block["type"]
    if kind == "text":
        text = expect_str(block.get("text"), f"{path}.text")
        return [cache_control.copy({"type": "text", "text": text}, block, path)]
    if kind in ("image", "document"):
        source = expect_object(block.get("source"), f"{path}.source")
        parts = _source_part(kind, source, block.get("title"))
        return [cache_control.copy(part, block, path) for part in parts]
    # Server-tool results, search results and other newer blocks have no hub
    # equivalent; same-format pass-through keeps them, translation drops them.
    return []


def _source_part(kind: str, source: Json, title: Any) -> list[Json]:
    source_type = source.get("type")
    if source_type == "base64":
        url = media.data_url(
            str(source.get("media_type") or ""), str(source.get("data") or "")
        )
    elif source_type == "url":
        url = str(source.get("url") or "")
    elif source_type == "text":
        return [{"type": "text", "text": str(source.get("data") or "")}]
    else:
        return []
    if kind == "image":
        return [{"type": "image_url", "image_url": {"url": url}}]
    file: Json = {"file_data": url} if url.startswith("data:") else {"file_url": url}
    if isinstance(title, str):
        file["filename"] = title
    return [{"type": "file", "file": file}]


def _tool_result(block: Json, path: str) -> Json:
    call_id = expect_str(block.get("tool_use_id"), f"{path}.tool_use_id")
    content = block.get("content", "")
    if isinstance(content, list):
        parts: list[Json] = []
        for i, inner in enumerate(content):
            expect_object(inner, f"{path}.content.{i}")
            parts += _user_part(inner, f"{path}.content.{i}")
        content = _simplify(parts)
    elif not isinstance(content, str):
        raise fail(f"{path}.content", "expected a string or a list of content blocks")
    message = {"role": "tool", "tool_call_id": call_id, "content": content}
    # The breakpoint at the end of the result is the tool message's own.
    return cache_control.copy(message, block, path)


def _assistant(blocks: list[Json], path: str) -> Json:
    text: list[str] = []
    thought: list[str] = []
    signatures: list[str] = []
    calls: list[Json] = []
    marker: Json | None = None
    for i, block in enumerate(blocks):
        # The hub's assistant message is one block's worth of breakpoint: a
        # marker on any block ends up at the end of the message.
        found = cache_control.read(
            block.get(cache_control.KEY), f"{path}.{i}.cache_control"
        )
        marker = marker if found is None else found
        kind = block["type"]
        if kind == "text":
            text.append(expect_str(block.get("text"), f"{path}.{i}.text"))
        elif kind == "thinking":
            thought.append(str(block.get("thinking") or ""))
            signatures.append(str(block.get("signature") or ""))
        elif kind == "tool_use":
            call_id = expect_str(block.get("id"), f"{path}.{i}.id")
            name = expect_str(block.get("name"), f"{path}.{i}.name")
            arguments = expect_object(block.get("input", {}), f"{path}.{i}.input")
            calls.append(hub.tool_call(call_id, name, hub.dumps(arguments)))
    # Several thinking blocks cannot be replayed as one signed block.
    signature = signatures[0] if len(signatures) == 1 else ""
    message = hub.assistant_message(
        "".join(text), reasoning="".join(thought), signature=signature, tool_calls=calls
    )
    if marker is not None:
        message[cache_control.KEY] = marker
    return message


def _tools(tools: Any) -> list[Json]:
    result = []
    for i, tool in enumerate(expect_list(tools, "tools")):
        expect_object(tool, f"tools.{i}")
        if tool.get("type") not in (None, "custom"):
            continue  # server tools (web search, bash...) run at Anthropic only
        function: Json = {"name": expect_str(tool.get("name"), f"tools.{i}.name")}
        set_if(function, "description", tool.get("description"))
        schema = tool.get("input_schema")
        function["parameters"] = expect_object(schema, f"tools.{i}.input_schema")
        entry = {"type": "function", "function": function}
        result.append(cache_control.copy(entry, tool, f"tools.{i}"))
    return result


def _tool_choice(choice: Any, result: Json) -> None:
    expect_object(choice, "tool_choice")
    kind = choice.get("type")
    if kind == "auto":
        result["tool_choice"] = "auto"
    elif kind == "any":
        result["tool_choice"] = "required"
    elif kind == "none":
        result["tool_choice"] = "none"
    elif kind == "tool":
        name = expect_str(choice.get("name"), "tool_choice.name")
        result["tool_choice"] = {"type": "function", "function": {"name": name}}
    else:
        raise fail("tool_choice.type", "expected one of auto, any, tool, none")
    if choice.get("disable_parallel_tool_use") is True:
        result["parallel_tool_calls"] = False


def _thinking(body: Json, result: Json) -> None:
    thinking = body.get("thinking")
    if isinstance(thinking, dict):
        kind = thinking.get("type")
        if kind == "enabled":
            budget = optional_int(
                thinking.get("budget_tokens"), "thinking.budget_tokens"
            )
            result["thinking_budget"] = budget or _MIN_THINKING_BUDGET
        elif kind == "disabled":
            result["thinking_budget"] = 0
        elif kind == "adaptive":
            result["thinking_budget"] = reasoning.DYNAMIC
    config = body.get("output_config")
    if isinstance(config, dict) and isinstance(config.get("effort"), str):
        result["reasoning_effort"] = config["effort"]
