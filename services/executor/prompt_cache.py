"""Automatic prompt-cache breakpoints for requests that reach an
Anthropic-format provider without any.

Anthropic caches a prompt prefix only up to a block marked with
``cache_control``; OpenAI-, Responses-, Gemini- and Ollama-format clients
cannot mark one, so without help every turn of their conversations pays the
whole prefix again. Marks change what is cached, never the answer. They go
where they pay (at most ``MAX_BREAKPOINTS``, the provider's limit):

- the end of the tools and of the system prompt, which every turn shares;
- the end of the conversation, which the next turn will read;
- the end of the previous turn, which this turn reads even when more than
  the provider's look-back window of blocks was added since (a long agent
  step).

A client's own breakpoints are its choice: a request carrying any is left
as it is. The setting is ``auto`` or ``off`` globally, per provider and per
combo (the most specific wins).
"""

from __future__ import annotations

from typing import Any

from omniroute.common.v1 import config_pb2

MAX_BREAKPOINTS = 4
MARK = {"type": "ephemeral"}
_SYSTEM_ROLES = ("system", "developer")
_ASKING = ("user", "tool")

Json = dict[str, Any]


def enabled(
    routing: config_pb2.RoutingSettings, provider_id: str, requested_model: str
) -> bool:
    """Does ``auto`` apply to this provider, reached for this model name?"""
    mode = (
        routing.combo_prompt_cache.get(requested_model)
        or routing.provider_prompt_cache.get(provider_id)
        or routing.prompt_cache
        or "auto"
    )
    return mode == "auto"


def with_breakpoints(hub: Json) -> Json:
    """``hub`` with breakpoints placed (a copy; the dispatch's body is
    shared by every target and account tried)."""
    result = dict(hub)
    placed = 0
    tools = hub.get("tools")
    if isinstance(tools, list) and tools and isinstance(tools[-1], dict):
        result["tools"] = [*tools[:-1], {**tools[-1], "cache_control": MARK}]
        placed += 1
    messages = list(hub.get("messages") or [])
    for index in _message_marks(messages)[: MAX_BREAKPOINTS - placed]:
        messages[index] = {**messages[index], "cache_control": MARK}
    result["messages"] = messages
    return result


def _message_marks(messages: list[Json]) -> list[int]:
    """Indices of the messages to mark, most valuable first: the system
    prompt's end, the conversation's end, the previous turn's end."""
    marks: list[int] = []
    system = [i for i, m in enumerate(messages) if _role(m) in _SYSTEM_ROLES]
    if system:
        marks.append(system[-1])
    turns = [i for i, m in enumerate(messages) if _role(m) not in _SYSTEM_ROLES]
    if not turns:
        return marks
    marks.append(turns[-1])
    # The previous request ended just before the newest answer: at the last
    # user or tool message ahead of the last assistant message.
    answers = [i for i in turns if _role(messages[i]) == "assistant"]
    if answers:
        earlier = [
            i for i in turns if i < answers[-1] and _role(messages[i]) in _ASKING
        ]
        if earlier:
            marks.append(earlier[-1])
    return marks


def _role(message: Any) -> str:
    return str(message.get("role")) if isinstance(message, dict) else ""
