"""The prompt-prefix key: the same for every turn of a conversation."""

from __future__ import annotations

from typing import Any

from omniroute.routing.prefix import MIN_CACHEABLE_CHARS, prefix_key

SYSTEM = {"role": "system", "content": "rules " * 1000}
TOOLS = [{"type": "function", "function": {"name": "run"}}]


def _hub(*turns: dict[str, Any]) -> dict[str, Any]:
    return {"tools": TOOLS, "messages": [SYSTEM, *turns]}


def test_every_turn_of_a_conversation_has_one_key() -> None:
    first = {"role": "user", "content": "fix the build"}
    turn_1 = _hub({**first, "cache_control": {"type": "ephemeral"}})
    turn_2 = _hub(
        first,
        {"role": "assistant", "content": "done"},
        {
            "role": "user",
            "content": "now the tests",
            "cache_control": {"type": "ephemeral"},
        },
    )
    key = prefix_key(turn_1, MIN_CACHEABLE_CHARS)
    assert key and key == prefix_key(turn_2, MIN_CACHEABLE_CHARS)


def test_other_conversations_and_tools_have_other_keys() -> None:
    one = prefix_key(_hub({"role": "user", "content": "a"}), MIN_CACHEABLE_CHARS)
    other = prefix_key(_hub({"role": "user", "content": "b"}), MIN_CACHEABLE_CHARS)
    no_tools = prefix_key(
        {"messages": [SYSTEM, {"role": "user", "content": "a"}]}, MIN_CACHEABLE_CHARS
    )
    assert len({one, other, no_tools}) == 3


def test_a_short_request_has_no_key() -> None:
    hub = _hub({"role": "user", "content": "hi"})
    assert prefix_key(hub, MIN_CACHEABLE_CHARS - 1) == ""
