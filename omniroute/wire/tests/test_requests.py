"""Client request validation and the request rules providers insist on."""

from __future__ import annotations

from typing import Any

import pytest

from omniroute.errors import BadRequest
from omniroute.wire import anthropic, gemini, ollama, openai_chat, responses

Json = dict[str, Any]
USER = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("module", "body", "message"),
    [
        (openai_chat, {"messages": USER}, "model: is required"),
        (
            openai_chat,
            {"model": 3, "messages": USER},
            "model: expected a non-empty string",
        ),
        (openai_chat, {"model": "m"}, "messages: is required"),
        (
            openai_chat,
            {"model": "m", "messages": []},
            "messages: at least one message is required",
        ),
        (
            openai_chat,
            {"model": "m", "messages": [{"role": "robot", "content": "x"}]},
            "messages.0.role: expected one of",
        ),
        (
            openai_chat,
            {"model": "m", "messages": [{"role": "user", "content": 5}]},
            "messages.0.content: expected a string or a list of content parts",
        ),
        (
            openai_chat,
            {
                "model": "m",
                "messages": [{"role": "user", "content": [{"type": "video"}]}],
            },
            "messages.0.content.0.type: unsupported content part type 'video'",
        ),
        (
            openai_chat,
            {"model": "m", "messages": [{"role": "tool", "content": "x"}]},
            "messages.0.tool_call_id: expected a string",
        ),
        (
            openai_chat,
            {"model": "m", "messages": USER, "temperature": "hot"},
            "temperature: expected a number",
        ),
        (
            openai_chat,
            {
                "model": "m",
                "messages": USER,
                "tools": [{"type": "function", "function": {}}],
            },
            "tools.0.function.name: expected a string",
        ),
        (
            openai_chat,
            {"model": "m", "messages": USER, "tool_choice": "always"},
            "tool_choice: expected one of none, auto, required",
        ),
        (
            anthropic,
            {"model": "m", "messages": [{"role": "user", "content": 5}]},
            "messages.0.content: expected a string or a list of content blocks",
        ),
        (
            anthropic,
            {"model": "m", "messages": [{"role": "tool", "content": "x"}]},
            "messages.0.role: expected one of user, assistant, system",
        ),
        (
            anthropic,
            {
                "model": "m",
                "messages": [{"role": "user", "content": [{"type": "tool_result"}]}],
            },
            "messages.0.content.0.tool_use_id: expected a string",
        ),
        (
            anthropic,
            {"model": "m", "messages": USER, "max_tokens": 0},
            "max_tokens: must be at least 1",
        ),
        (
            anthropic,
            {"model": "m", "messages": USER, "tool_choice": {"type": "sometimes"}},
            "tool_choice.type: expected one of auto, any, tool, none",
        ),
        (responses, {"model": "m"}, "input: is required"),
        (
            responses,
            {"model": "m", "input": [{"type": "function_call", "name": "f"}]},
            "input.0.call_id: expected a string",
        ),
        (
            responses,
            {
                "model": "m",
                "input": [{"role": "user", "content": [{"type": "input_audio"}]}],
            },
            "input.0.content.0.type: unsupported content part type 'input_audio'",
        ),
        (
            ollama,
            {"model": "m", "messages": [{"role": "user", "content": ["x"]}]},
            "messages.0.content: expected a string",
        ),
        (
            ollama,
            {"model": "m", "messages": USER, "options": {"num_predict": "lots"}},
            "options.num_predict: expected an integer",
        ),
    ],
)
def test_bad_requests_name_the_field(module: Any, body: Json, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        module.request_to_hub(body)
    assert caught.value.message.startswith(message)
    assert caught.value.param == message.split(":")[0]
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "contents: is required"),
        ({"contents": []}, "contents: at least one item is required"),
        (
            {"contents": [{"role": "bot", "parts": [{"text": "x"}]}]},
            "contents.0.role: expected one of user, model",
        ),
        (
            {"contents": [{"role": "user", "parts": "x"}]},
            "contents.0.parts: expected an array",
        ),
        (
            {
                "contents": [
                    {"role": "model", "parts": [{"functionCall": {"args": {}}}]}
                ]
            },
            "contents.0.parts.0.functionCall.name: expected a string",
        ),
        (
            {
                "contents": [{"parts": [{"text": "x"}]}],
                "generationConfig": {"maxOutputTokens": "many"},
            },
            "generationConfig.maxOutputTokens: expected an integer",
        ),
    ],
)
def test_bad_gemini_requests_name_the_field(body: Json, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        gemini.request_to_hub(body, model="gemini-2.5-flash", stream=False)
    assert caught.value.message.startswith(message)


def test_gemini_accepts_snake_case_fields() -> None:
    hub = gemini.request_to_hub(
        {
            "system_instruction": {"parts": [{"text": "Be kind."}]},
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {"inline_data": {"mime_type": "image/png", "data": "iVBOR"}}
                    ],
                }
            ],
            "generation_config": {"max_output_tokens": 50},
        },
        model="gemini-2.5-flash",
        stream=False,
    )
    assert hub["messages"][0] == {"role": "system", "content": "Be kind."}
    assert (
        hub["messages"][1]["content"][0]["image_url"]["url"]
        == "data:image/png;base64,iVBOR"
    )
    assert hub["max_tokens"] == 50


def test_ollama_streams_unless_told_not_to() -> None:
    assert ollama.request_to_hub({"model": "m", "messages": USER})["stream"] is True
    assert (
        ollama.request_to_hub({"model": "m", "messages": USER, "stream": False})[
            "stream"
        ]
        is False
    )


def test_ollama_cannot_take_remote_images() -> None:
    hub = {
        "model": "m",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": "https://x/a.png"}}
                ],
            }
        ],
    }
    with pytest.raises(BadRequest, match="inline"):
        ollama.request_from_hub(hub, model="llava")


def test_anthropic_needs_max_tokens_and_gets_the_default() -> None:
    body = anthropic.request_from_hub(
        {"model": "m", "messages": USER}, model="claude-x"
    )
    assert body["max_tokens"] == anthropic.DEFAULT_MAX_TOKENS == 4096


def test_anthropic_system_entries_in_messages_join_the_system_prompt() -> None:
    # What Claude Code sends: a system entry after the first user turn.
    body = {
        "model": "m",
        "max_tokens": 10,
        "system": [{"type": "text", "text": "You are Claude Code."}],
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "system", "content": "Agents: general-purpose."},
            {"role": "assistant", "content": "Hello"},
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "user", "content": "go"},
        ],
    }
    hub = anthropic.request_to_hub(body)
    assert [m["role"] for m in hub["messages"]] == [
        "system",
        "user",
        "assistant",
        "user",
    ]
    assert [p["text"] for p in hub["messages"][0]["content"]] == [
        "You are Claude Code.",
        "Agents: general-purpose.",
        "Be brief.",
    ]
    upstream = anthropic.request_from_hub(hub, model="claude-x")
    assert [b["text"] for b in upstream["system"]] == [
        "You are Claude Code.",
        "Agents: general-purpose.",
        "Be brief.",
    ]
    assert [m["role"] for m in upstream["messages"]] == ["user", "assistant", "user"]


def test_openai_chat_gets_one_leading_system_message_from_anthropic() -> None:
    hub = anthropic.request_to_hub(
        {
            "model": "m",
            "max_tokens": 10,
            "system": "Top.",
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "system", "content": "Later."},
            ],
        }
    )
    upstream = openai_chat.request_from_hub(hub, model="gpt-x")
    roles = [m["role"] for m in upstream["messages"]]
    assert roles == ["system", "user"]


def _tool_history(signature: str | None) -> list[Json]:
    assistant: Json = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "t1",
                "type": "function",
                "function": {"name": "f", "arguments": "{}"},
            }
        ],
    }
    if signature:
        assistant.update(reasoning_content="Think.", reasoning_signature=signature)
    return [*USER, assistant, {"role": "tool", "tool_call_id": "t1", "content": "done"}]


def test_anthropic_thinking_is_kept_when_the_tool_turn_is_signed() -> None:
    hub = {"model": "m", "messages": _tool_history("sig"), "reasoning_effort": "low"}
    body = anthropic.request_from_hub(hub, model="claude-x")
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert body["messages"][1]["content"][0] == {
        "type": "thinking",
        "thinking": "Think.",
        "signature": "sig",
    }


def test_anthropic_thinking_is_dropped_when_the_tool_turn_is_unsigned() -> None:
    """Anthropic answers 400 when thinking is on and the tool-use turn lacks its
    signed thinking block (history from another provider): answer without."""
    hub = {"model": "m", "messages": _tool_history(None), "reasoning_effort": "low"}
    assert "thinking" not in anthropic.request_from_hub(hub, model="claude-x")


def test_anthropic_thinking_is_dropped_with_a_forced_tool() -> None:
    hub = {
        "model": "m",
        "messages": USER,
        "thinking_budget": 2000,
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
    }
    body = anthropic.request_from_hub(hub, model="claude-x")
    assert "thinking" not in body
    assert body["tool_choice"] == {"type": "tool", "name": "f"}


def test_gemini_function_response_gets_the_name_of_its_call() -> None:
    hub = {
        "model": "m",
        "messages": [
            *USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "abc",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "abc", "content": "plain text"},
        ],
    }
    body = gemini.request_from_hub(hub, model="gemini-2.5-flash")
    assert body["contents"][-1] == {
        "role": "user",
        "parts": [
            {
                "functionResponse": {
                    "name": "lookup",
                    "response": {"result": "plain text"},
                }
            }
        ],
    }
    assert "model" not in body


def test_gemini_call_ids_answered_by_id_when_the_client_gives_them() -> None:
    hub = gemini.request_to_hub(
        {
            "contents": [
                {"role": "user", "parts": [{"text": "go"}]},
                {
                    "role": "model",
                    "parts": [
                        {"functionCall": {"id": "x1", "name": "f", "args": {}}},
                        {"functionCall": {"id": "x2", "name": "f", "args": {}}},
                    ],
                },
                {
                    "role": "user",
                    "parts": [
                        {
                            "functionResponse": {
                                "id": "x2",
                                "name": "f",
                                "response": {"n": 2},
                            }
                        },
                        {
                            "functionResponse": {
                                "id": "x1",
                                "name": "f",
                                "response": {"n": 1},
                            }
                        },
                    ],
                },
            ]
        },
        model="gemini-2.5-flash",
        stream=False,
    )
    assert [
        (m["tool_call_id"], m["content"])
        for m in hub["messages"]
        if m["role"] == "tool"
    ] == [
        ("x2", '{"n":2}'),
        ("x1", '{"n":1}'),
    ]


def test_responses_user_id_and_previous_response_are_not_forwarded_blindly() -> None:
    hub = responses.request_to_hub(
        {
            "model": "m",
            "input": "hi",
            "previous_response_id": "resp_1",
            "safety_identifier": "u1",
        }
    )
    assert hub["user"] == "u1"
    assert "previous_response_id" not in hub
    assert hub["messages"] == [{"role": "user", "content": "hi"}]


def test_openai_provider_stream_always_asks_for_usage() -> None:
    body = openai_chat.request_from_hub(
        {
            "model": "m",
            "messages": USER,
            "stream": True,
            "stream_options": {"include_usage": False},
        },
        model="gpt-4o",
    )
    assert body["stream_options"] == {"include_usage": True}


def test_anthropic_history_with_interleaved_thinking_is_not_replayed_signed() -> None:
    blocks = [
        {"type": "thinking", "thinking": "a", "signature": "s1"},
        {"type": "tool_use", "id": "t1", "name": "f", "input": {}},
        {"type": "thinking", "thinking": "b", "signature": "s2"},
        {"type": "text", "text": "done"},
    ]
    hub = anthropic.request_to_hub(
        {"model": "m", "messages": [*USER, {"role": "assistant", "content": blocks}]}
    )
    assistant = hub["messages"][1]
    assert assistant["reasoning_content"] == "ab"
    assert "reasoning_signature" not in assistant
