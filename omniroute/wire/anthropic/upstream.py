"""Hub requests as Anthropic Messages bodies (executor side)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from omniroute.wire import cache_control, hub, media, reasoning
from omniroute.wire.anthropic.breakpoints import fit_breakpoints
from omniroute.wire.validation import set_if

Json = dict[str, Any]

DEFAULT_MAX_TOKENS = 4096
_MIN_THINKING_BUDGET = 1024


def request_from_hub(hub_request: Json, *, model: str) -> Json:
    """A hub request as an Anthropic Messages body for ``model``."""
    system, messages = _conversation(hub_request["messages"])
    body: Json = {"model": model, "messages": messages}
    if system:
        # A marker needs a block to sit on, so a marked prompt stays a list.
        lone = len(system) == 1 and not cache_control.carries(system[0])
        body["system"] = system[0]["text"] if lone else system
    body["max_tokens"] = hub_request.get("max_tokens") or DEFAULT_MAX_TOKENS
    # OpenAI's temperature goes to 2, Anthropic's stops at 1.
    temperature = hub_request.get("temperature")
    set_if(body, "temperature", None if temperature is None else min(temperature, 1.0))
    set_if(body, "top_p", hub_request.get("top_p"))
    set_if(body, "top_k", hub_request.get("top_k"))
    if hub_request.get("stop"):
        body["stop_sequences"] = list(hub_request["stop"])
    if hub_request.get("tools"):
        body["tools"] = [_tool(tool) for tool in hub_request["tools"]]
        choice = _tool_choice(hub_request)
        set_if(body, "tool_choice", choice)
    if isinstance(hub_request.get("user"), str):
        body["metadata"] = {"user_id": hub_request["user"]}
    _thinking(hub_request, body)
    body["stream"] = bool(hub_request.get("stream"))
    fit_breakpoints(body)
    return body


def _conversation(messages: list[Json]) -> tuple[list[Json], list[Json]]:
    """System blocks and alternating user/assistant turns."""
    system: list[Json] = []
    turns: list[Json] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            # Anthropic has one system prompt; a later system message is
            # hoisted into it rather than dropped, each block keeping its mark.
            blocks = [
                _marked({"type": "text", "text": part["text"]}, part)
                for part in hub.content_parts(message.get("content"))
                if part.get("type") == "text" and part.get("text")
            ]
            system += _mark_last(blocks, message)
        elif role == "assistant":
            _push(turns, "assistant", _mark_last(_assistant_blocks(message), message))
        elif role == "tool":
            _push(turns, "user", [_marked(_tool_result(message), message)])
        else:
            blocks = _user_blocks(message.get("content"))
            _push(turns, "user", _mark_last(blocks, message))
    return system, turns


def _marked(block: Json, source: Json) -> Json:
    """``block`` carrying the marker of the hub object it was made from."""
    marker = cache_control.marker_of(source)
    if marker is not None:
        block[cache_control.KEY] = marker
    return block


def _mark_last(blocks: list[Json], message: Json) -> list[Json]:
    """A message-level marker as a breakpoint on the message's last block.

    Anthropic accepts no marker on a thinking block, so a message that is
    only thinking loses its marker; a block's own marker stays.
    """
    marker = cache_control.marker_of(message)
    if marker is not None and blocks and blocks[-1]["type"] != "thinking":
        blocks[-1].setdefault(cache_control.KEY, marker)
    return blocks


def _push(turns: list[Json], role: str, blocks: list[Json]) -> None:
    """Appends blocks, merging with the previous turn of the same role.

    Anthropic wants strict alternation and tool results first in their user
    turn, so consecutive tool messages and a following user message share one.
    """
    if not blocks:
        return
    if not turns or turns[-1]["role"] != role:
        turns.append({"role": role, "content": blocks})
        return
    content = turns[-1]["content"]
    for block in blocks:
        if block["type"] == "tool_result":
            position = 0
            while (
                position < len(content) and content[position]["type"] == "tool_result"
            ):
                position += 1
            content.insert(position, block)
        else:
            content.append(block)


def _user_blocks(content: Any) -> list[Json]:
    blocks: list[Json] = []
    for part in hub.content_parts(content):
        kind = part.get("type")
        if kind == "text" and part.get("text"):
            blocks.append(_marked({"type": "text", "text": part["text"]}, part))
        elif kind == "image_url":
            blocks.append(_marked(_image(part.get("image_url") or {}), part))
        elif kind == "file":
            blocks += [_marked(doc, part) for doc in _document(part.get("file") or {})]
    return blocks


def _image(image: Json) -> Json:
    url = str(image.get("url") or "")
    inline = media.parse_data_url(url)
    if inline:
        source = {"type": "base64", "media_type": inline[0], "data": inline[1]}
    else:
        source = {"type": "url", "url": url}
    return {"type": "image", "source": source}


def _document(file: Json) -> list[Json]:
    """Anthropic reads PDFs and plain text; other files cannot be sent."""
    inline = media.parse_data_url(str(file.get("file_data") or ""))
    if inline and inline[0] == "application/pdf":
        source: Json = {"type": "base64", "media_type": inline[0], "data": inline[1]}
    elif inline and inline[0].startswith("text/"):
        try:
            text = base64.b64decode(inline[1]).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return []
        source = {"type": "text", "media_type": "text/plain", "data": text}
    elif file.get("file_url"):
        source = {"type": "url", "url": file["file_url"]}
    else:
        return []
    block: Json = {"type": "document", "source": source}
    set_if(block, "title", file.get("filename"))
    return [block]


def _assistant_blocks(message: Json) -> list[Json]:
    blocks: list[Json] = []
    # A thinking block is only accepted back with the signature Anthropic
    # gave it; unsigned reasoning (another provider's) cannot be replayed.
    if message.get("reasoning_signature"):
        blocks.append(
            {
                "type": "thinking",
                "thinking": message.get("reasoning_content") or "",
                "signature": message["reasoning_signature"],
            }
        )
    text = hub.text_of(message.get("content"))
    if text:
        blocks.append({"type": "text", "text": text})
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id") or hub.new_id("toolu_"),
                "name": function.get("name") or "",
                "input": hub.parse_arguments(function.get("arguments")),
            }
        )
    return blocks


def _tool_result(message: Json) -> Json:
    content = message.get("content")
    result: Json = {
        "type": "tool_result",
        "tool_use_id": message.get("tool_call_id", ""),
    }
    if isinstance(content, list):
        result["content"] = _user_blocks(content)
    else:
        result["content"] = content or ""
    return result


def _tool(tool: Json) -> Json:
    function = tool.get("function") or {}
    result: Json = {"name": function.get("name") or ""}
    set_if(result, "description", function.get("description"))
    result["input_schema"] = function.get("parameters") or {
        "type": "object",
        "properties": {},
    }
    return _marked(result, tool)


def _tool_choice(hub_request: Json) -> Json | None:
    choice = hub_request.get("tool_choice")
    result: Json
    if choice == "none":
        return {"type": "none"}
    if choice == "required":
        result = {"type": "any"}
    elif isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or ""
        result = {"type": "tool", "name": name}
    else:
        result = {"type": "auto"}
    if hub_request.get("parallel_tool_calls") is False:
        result["disable_parallel_tool_use"] = True
    elif choice is None:
        return None
    return result


def _thinking(hub_request: Json, body: Json) -> None:
    budget = reasoning.requested_budget(hub_request)
    if not budget or not _can_think(body):
        return
    if budget < 0:
        budget = reasoning.budget_for_effort(
            hub_request.get("reasoning_effort") or "medium"
        )
    budget = max(budget, _MIN_THINKING_BUDGET)
    body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    # Thinking tokens count toward max_tokens, which must stay above the
    # budget; the client's cap is kept for the visible answer.
    if body["max_tokens"] <= budget:
        body["max_tokens"] = budget + body["max_tokens"]
    # With thinking on Anthropic accepts no temperature/top_k and top_p >= 0.95.
    body.pop("temperature", None)
    body.pop("top_k", None)
    if body.get("top_p", 1.0) < 0.95:
        body.pop("top_p")


def _can_think(body: Json) -> bool:
    """Whether Anthropic will accept thinking on this request.

    It rejects thinking with a forced tool choice, and when the last
    assistant turn used tools without starting with a signed thinking block
    (history written by another provider, or a client that dropped it).
    """
    if (body.get("tool_choice") or {}).get("type") in ("any", "tool"):
        return False
    for turn in reversed(body["messages"]):
        if turn["role"] == "assistant":
            content = turn["content"]
            if any(block["type"] == "tool_use" for block in content):
                return bool(content[0]["type"] == "thinking")
            return True
    return True
