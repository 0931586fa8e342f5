"""Prompt-cache breakpoints and context caches survive the hub.

A client's ``cache_control`` markers reach an Anthropic upstream where the
client put them (within Anthropic's rules) and never reach a provider that
would reject them; a Gemini client's ``cachedContent`` reaches Gemini.
"""

from __future__ import annotations

from typing import Any

import pytest

from omniroute.errors import BadRequest
from omniroute.wire import anthropic, gemini, ollama, openai_chat, responses

Json = dict[str, Any]

FIVE_MINUTES = {"type": "ephemeral"}
ONE_HOUR = {"type": "ephemeral", "ttl": "1h"}
IMAGE = {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}


def markers(body: Json) -> list[tuple[str, Json]]:
    """Where an Anthropic body carries markers, in prompt order."""
    found: list[tuple[str, Json]] = []

    def visit(item: Any, path: str) -> None:
        if isinstance(item, dict):
            if "cache_control" in item:
                found.append((path, item["cache_control"]))
            for key in ("tools", "system", "messages", "content"):
                visit(item.get(key), f"{path}.{key}".lstrip("."))
        elif isinstance(item, list):
            for i, child in enumerate(item):
                visit(child, f"{path}.{i}")

    visit(body, "")
    return sorted(found, key=lambda entry: _order(entry[0]))


def _order(path: str) -> tuple[int, ...]:
    section = {"tools": 0, "system": 1, "messages": 2}[path.split(".")[0]]
    # A block's own marker comes after the markers of the blocks inside it.
    numbers = [int(p) for p in path.split(".") if p.isdigit()]
    return (section, *numbers, 10**6)


def claude_code_body(marks: dict[str, Json]) -> Json:
    """An Anthropic client body; ``marks`` names the blocks that carry one."""

    def mark(name: str, block: Json) -> Json:
        return {**block, "cache_control": marks[name]} if name in marks else block

    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "tools": [
            mark(
                "tool",
                {
                    "name": "get_weather",
                    "description": "Current weather",
                    "input_schema": {"type": "object", "properties": {}},
                },
            )
        ],
        "system": [mark("system", {"type": "text", "text": "You are terse."})],
        "messages": [
            {
                "role": "user",
                "content": [
                    mark("user_text", {"type": "text", "text": "Where is this?"}),
                    mark("image", {"type": "image", "source": IMAGE}),
                ],
            },
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me look."},
                    mark(
                        "assistant",
                        {
                            "type": "tool_use",
                            "id": "toolu_1",
                            "name": "get_weather",
                            "input": {},
                        },
                    ),
                ],
            },
            {
                "role": "user",
                "content": [
                    mark(
                        "tool_result",
                        {
                            "type": "tool_result",
                            "tool_use_id": "toolu_1",
                            "content": "18C",
                        },
                    ),
                    {"type": "text", "text": "Thanks"},
                ],
            },
        ],
    }


def through_hub(body: Json) -> Json:
    hub_request = anthropic.request_to_hub(body)
    return anthropic.request_from_hub(hub_request, model="claude-sonnet-4-5")


@pytest.mark.parametrize(
    "marks",
    [
        {"tool": ONE_HOUR, "system": ONE_HOUR, "image": FIVE_MINUTES},
        {"user_text": ONE_HOUR, "assistant": ONE_HOUR, "tool_result": FIVE_MINUTES},
        {"system": ONE_HOUR},
        {"image": ONE_HOUR},
        {"tool_result": {"type": "ephemeral", "ttl": "5m"}},
    ],
    ids=lambda marks: "+".join(marks),
)
def test_anthropic_breakpoints_survive_the_hub(marks: dict[str, Json]) -> None:
    body = claude_code_body(marks)
    again = through_hub(body)
    assert markers(again) == markers(body)
    assert again["messages"] == body["messages"]
    assert again["tools"] == body["tools"]


def test_a_marked_single_part_stays_a_list_in_the_hub() -> None:
    body = claude_code_body({"system": ONE_HOUR, "user_text": FIVE_MINUTES})
    body["messages"][0]["content"].pop()  # the image
    hub_request = anthropic.request_to_hub(body)
    system, user = hub_request["messages"][:2]
    marked = {"type": "text", "text": "You are terse.", "cache_control": ONE_HOUR}
    assert system["content"] == [marked]
    assert user["content"] == [
        {"type": "text", "text": "Where is this?", "cache_control": FIVE_MINUTES}
    ]
    assert through_hub(body)["system"] == [marked]


def test_markers_on_tool_result_blocks_and_system_entries_in_messages() -> None:
    body = claude_code_body({})
    body["messages"][2]["content"][0]["content"] = [
        {"type": "text", "text": "18C", "cache_control": FIVE_MINUTES}
    ]
    body["messages"].insert(
        0,
        {
            "role": "system",
            "content": [{"type": "text", "text": "Agents", "cache_control": ONE_HOUR}],
        },
    )
    hub_request = anthropic.request_to_hub(body)
    assert hub_request["messages"][0]["content"][1]["cache_control"] == ONE_HOUR
    again = anthropic.request_from_hub(hub_request, model="claude")
    assert markers(again) == [
        ("system.1", ONE_HOUR),
        ("messages.2.content.0.content.0", FIVE_MINUTES),
    ]


def test_markers_keep_only_type_and_ttl_and_must_be_objects() -> None:
    body = claude_code_body({"system": {**ONE_HOUR, "scope": "global"}})
    assert markers(through_hub(body)) == [("system.0", ONE_HOUR)]
    bad = claude_code_body({"user_text": "ephemeral"})  # type: ignore[dict-item]
    with pytest.raises(BadRequest) as caught:
        anthropic.request_to_hub(bad)
    assert caught.value.param == "messages.0.content.0.cache_control"
    bad_tool = claude_code_body({"tool": ["ephemeral"]})  # type: ignore[dict-item]
    with pytest.raises(BadRequest, match=r"^tools\.0\.cache_control: "):
        anthropic.request_to_hub(bad_tool)


def openrouter_style_body() -> Json:
    """An OpenAI-format body with markers where OpenRouter / LiteLLM put them."""
    return {
        "model": "claude-sonnet-4-5",
        "tools": [
            {
                "type": "function",
                "function": {"name": "search", "parameters": {"type": "object"}},
                "cache_control": ONE_HOUR,
            }
        ],
        "messages": [
            {"role": "system", "content": "Be brief.", "cache_control": ONE_HOUR},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Long document", "cache_control": {}},
                    {"type": "text", "text": "Question?"},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "search", "arguments": "{}"},
                    }
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "call_1",
                "content": "found it",
                "cache_control": FIVE_MINUTES,
            },
        ],
    }


def test_openai_format_markers_land_on_anthropic_blocks() -> None:
    body = openrouter_style_body()
    body["messages"][1]["content"][0]["cache_control"] = FIVE_MINUTES
    hub_request = openai_chat.request_to_hub(body)
    upstream = anthropic.request_from_hub(hub_request, model="claude")
    assert markers(upstream) == [
        ("tools.0", ONE_HOUR),
        ("system.0", ONE_HOUR),
        ("messages.0.content.0", FIVE_MINUTES),
        ("messages.2.content.0", FIVE_MINUTES),
    ]
    assert upstream["system"] == [
        {"type": "text", "text": "Be brief.", "cache_control": ONE_HOUR}
    ]
    assert upstream["messages"][2]["content"][0]["type"] == "tool_result"


def test_openai_format_marks_on_assistant_and_string_user_messages() -> None:
    hub_request = openai_chat.request_to_hub(
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": "Hi", "cache_control": ONE_HOUR},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": "Hello", "cache_control": ONE_HOUR}
                    ],
                },
                {"role": "user", "content": "Again"},
            ],
        }
    )
    assert hub_request["messages"][1]["cache_control"] == ONE_HOUR
    upstream = anthropic.request_from_hub(hub_request, model="claude")
    assert markers(upstream) == [
        ("messages.0.content.0", ONE_HOUR),
        ("messages.1.content.0", ONE_HOUR),
    ]


def test_more_than_four_breakpoints_keep_the_last_four() -> None:
    marks = {
        name: FIVE_MINUTES
        for name in ("tool", "system", "user_text", "image", "assistant")
    }
    marks["tool_result"] = FIVE_MINUTES
    assert [path for path, _ in markers(through_hub(claude_code_body(marks)))] == [
        "messages.0.content.0",
        "messages.0.content.1",
        "messages.1.content.1",
        "messages.2.content.0",
    ]


def test_a_one_hour_breakpoint_after_a_five_minute_one_becomes_five_minutes() -> None:
    body = claude_code_body(
        {"tool": ONE_HOUR, "system": FIVE_MINUTES, "image": ONE_HOUR}
    )
    assert markers(through_hub(body)) == [
        ("tools.0", ONE_HOUR),
        ("system.0", FIVE_MINUTES),
        ("messages.0.content.1", FIVE_MINUTES),
    ]


def test_a_trimmed_five_minute_breakpoint_does_not_shorten_later_ones() -> None:
    marks = {"tool": FIVE_MINUTES}
    marks.update({name: ONE_HOUR for name in ("system", "user_text", "image")})
    marks["assistant"] = ONE_HOUR
    lifetimes = [m for _, m in markers(through_hub(claude_code_body(marks)))]
    assert lifetimes == [ONE_HOUR] * 4


def test_translating_to_anthropic_leaves_the_hub_request_alone() -> None:
    marks = {name: FIVE_MINUTES for name in ("tool", "system", "user_text", "image")}
    marks.update(assistant=ONE_HOUR, tool_result=ONE_HOUR)
    hub_request = anthropic.request_to_hub(claude_code_body(marks))
    before = repr(hub_request)
    anthropic.request_from_hub(hub_request, model="claude")
    assert repr(hub_request) == before


def everything_marked() -> list[Json]:
    marks = {
        name: ONE_HOUR for name in ("tool", "system", "user_text", "image", "assistant")
    }
    marks["tool_result"] = ONE_HOUR
    from_anthropic = anthropic.request_to_hub(claude_code_body(marks))
    from_openai = openai_chat.request_to_hub(openrouter_style_body())
    for hub_request in (from_anthropic, from_openai):
        hub_request["cached_content"] = "cachedContents/abc"
    return [from_anthropic, from_openai]


@pytest.mark.parametrize(
    "module", [openai_chat, responses, ollama, gemini], ids=lambda m: m.__name__
)
def test_other_providers_are_sent_no_markers(module: Any) -> None:
    for hub_request in everything_marked():
        model = "gemini-2.5-flash" if module is gemini else "provider-model"
        upstream = repr(module.request_from_hub(hub_request, model=model))
        assert "cache_control" not in upstream
        assert ("cachedContent" in upstream) is (module is gemini)
        assert "cached_content" not in upstream


def test_gemini_cached_content_goes_through_the_hub() -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "Summarise it"}]}],
        "cachedContent": "cachedContents/doc-42",
    }
    hub_request = gemini.request_to_hub(body, model="gemini-2.5-pro", stream=False)
    assert hub_request["cached_content"] == "cachedContents/doc-42"
    upstream = gemini.request_from_hub(hub_request, model="gemini-2.5-pro")
    assert upstream["cachedContent"] == "cachedContents/doc-42"
    assert "cached_content" not in anthropic.request_from_hub(hub_request, model="c")
    snake = {"contents": body["contents"], "cached_content": "cachedContents/x"}
    assert gemini.request_to_hub(snake, model="g", stream=True)["cached_content"]
    with pytest.raises(BadRequest, match=r"^cachedContent: "):
        gemini.request_to_hub({**body, "cachedContent": 42}, model="g", stream=True)
