"""Where automatic prompt-cache breakpoints go, and when they apply."""

from __future__ import annotations

from omniroute.common.v1 import config_pb2
from omniroute.wire.anthropic.upstream import request_from_hub
from services.executor import prompt_cache

MARK = {"type": "ephemeral"}
TOOL = {"type": "function", "function": {"name": "look", "parameters": {}}}


def _agent_hub() -> dict[str, object]:
    return {
        "model": "m",
        "tools": [TOOL, {**TOOL, "function": {"name": "run", "parameters": {}}}],
        "messages": [
            {"role": "system", "content": "rules"},
            {"role": "user", "content": "fix it"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "run", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "done"},
            {"role": "assistant", "content": "and now?"},
            {"role": "user", "content": "tests"},
        ],
    }


def test_breakpoints_go_where_they_pay() -> None:
    hub = _agent_hub()
    marked = prompt_cache.with_breakpoints(hub)
    messages = marked["messages"]
    assert marked["tools"][-1]["cache_control"] == MARK
    assert "cache_control" not in marked["tools"][0]
    # System end, conversation end, and the end of the previous request
    # (the tool result before the last answer).
    assert [i for i, m in enumerate(messages) if "cache_control" in m] == [0, 3, 5]
    # The dispatch's own body is shared by every attempt: left untouched.
    assert "cache_control" not in str(hub)


def test_the_anthropic_body_carries_at_most_four() -> None:
    body = request_from_hub(prompt_cache.with_breakpoints(_agent_hub()), model="m")
    text = str(body)
    assert text.count("cache_control") == 4
    assert body["tools"][-1]["cache_control"] == MARK
    assert body["messages"][-1]["content"][-1]["cache_control"] == MARK


def test_a_short_conversation_gets_what_it_has() -> None:
    marked = prompt_cache.with_breakpoints(
        {"messages": [{"role": "user", "content": "hi"}]}
    )
    assert marked["messages"][0]["cache_control"] == MARK
    assert "tools" not in marked


def test_the_most_specific_setting_wins() -> None:
    routing = config_pb2.RoutingSettings(
        prompt_cache="off",
        provider_prompt_cache={"claude": "auto"},
        combo_prompt_cache={"agents": "off"},
    )
    assert prompt_cache.enabled(routing, "claude", "claude/sonnet")
    assert not prompt_cache.enabled(routing, "claude", "agents")
    assert not prompt_cache.enabled(routing, "other", "other/model")
    assert prompt_cache.enabled(config_pb2.RoutingSettings(), "any", "any/model")
