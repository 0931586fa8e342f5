"""Hub requests as OpenAI Responses bodies (executor side)."""

from __future__ import annotations

from typing import Any

from omniroute.wire import hub, reasoning
from omniroute.wire.validation import set_if

Json = dict[str, Any]

# The Responses API refuses max_output_tokens below 16.
_MIN_OUTPUT_TOKENS = 16


def request_from_hub(hub_request: Json, *, model: str) -> Json:
    """A hub request as a Responses body for ``model``."""
    instructions, items = _items(hub_request["messages"])
    body: Json = {"model": model, "input": items}
    if instructions:
        body["instructions"] = instructions
    if hub_request.get("max_tokens"):
        body["max_output_tokens"] = max(hub_request["max_tokens"], _MIN_OUTPUT_TOKENS)
    reasoning_model = reasoning.is_openai_reasoning_model(model)
    if not reasoning_model:
        # Reasoning models refuse sampling parameters.
        set_if(body, "temperature", hub_request.get("temperature"))
        set_if(body, "top_p", hub_request.get("top_p"))
    effort = reasoning.requested_effort(hub_request)
    if reasoning_model and effort is not None:
        body["reasoning"] = {"effort": "minimal" if effort == "none" else effort}
    if hub_request.get("tools"):
        body["tools"] = [_tool(tool) for tool in hub_request["tools"]]
        set_if(body, "tool_choice", _tool_choice(hub_request.get("tool_choice")))
    set_if(body, "parallel_tool_calls", hub_request.get("parallel_tool_calls"))
    set_if(body, "user", hub_request.get("user"))
    fmt = _text_format(hub_request.get("response_format"))
    if fmt:
        body["text"] = {"format": fmt}
    body["stream"] = bool(hub_request.get("stream"))
    # The gateway always sends the whole conversation, so nothing needs to
    # be kept at the provider (which would otherwise store it by default).
    body["store"] = False
    return body


def _items(messages: list[Json]) -> tuple[str, list[Json]]:
    instructions: list[str] = []
    items: list[Json] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            text = hub.text_of(message.get("content"))
            if not items:
                instructions.append(text)
            else:
                items.append({"type": "message", "role": "developer", "content": text})
        elif role == "user":
            content = [
                _input_part(p) for p in hub.content_parts(message.get("content"))
            ]
            items.append({"type": "message", "role": "user", "content": content})
        elif role == "assistant":
            items += _assistant_items(message)
        elif role == "tool":
            items.append(_tool_output(message))
    return "\n\n".join(t for t in instructions if t), items


def _input_part(part: Json) -> Json:
    kind = part.get("type")
    if kind == "image_url":
        image = part.get("image_url") or {}
        return {
            "type": "input_image",
            "image_url": image.get("url") or "",
            "detail": image.get("detail") or "auto",
        }
    if kind == "file":
        file = part.get("file") or {}
        result: Json = {"type": "input_file"}
        for key in ("file_data", "file_url", "filename"):
            set_if(result, key, file.get(key))
        return result
    return {"type": "input_text", "text": part.get("text") or ""}


def _assistant_items(message: Json) -> list[Json]:
    # Reasoning is not replayed: the Responses API only takes back its own
    # encrypted reasoning items, which the hub does not carry.
    items: list[Json] = []
    text = hub.text_of(message.get("content"))
    if text:
        items.append({"type": "message", "role": "assistant", "content": text})
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        items.append(
            {
                "type": "function_call",
                "call_id": call.get("id") or "",
                "name": function.get("name") or "",
                "arguments": function.get("arguments") or "{}",
            }
        )
    return items


def _tool_output(message: Json) -> Json:
    content = message.get("content")
    output: Any
    if isinstance(content, list):
        output = [_input_part(part) for part in hub.content_parts(content)]
    else:
        output = content or ""
    return {
        "type": "function_call_output",
        "call_id": message.get("tool_call_id") or "",
        "output": output,
    }


def _tool(tool: Json) -> Json:
    function = tool.get("function") or {}
    result: Json = {"type": "function", "name": function.get("name") or ""}
    set_if(result, "description", function.get("description"))
    result["parameters"] = function.get("parameters") or {
        "type": "object",
        "properties": {},
    }
    # Responses defaults to strict schemas, which reject most schemas written
    # for other providers; strict stays only when the client asked for it.
    result["strict"] = bool(function.get("strict"))
    return result


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or ""
        return {"type": "function", "name": name}
    return choice


def _text_format(response_format: Any) -> Json | None:
    if not isinstance(response_format, dict):
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        fmt: Json = {"type": "json_schema", "name": spec.get("name") or "response"}
        for key in ("schema", "strict", "description"):
            set_if(fmt, key, spec.get(key))
        return fmt
    return None
