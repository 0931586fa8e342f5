from services.simulator.answers import (
    Finish,
    Prompt,
    Role,
    Turn,
    build_answer,
    chunks,
)


def _prompt(
    text: str,
    model: str = "sim-echo",
    tools: tuple[str, ...] = (),
    forced_tool: str | None = None,
    max_tokens: int | None = None,
) -> Prompt:
    turns = (Turn(Role.SYSTEM, "be brief"), Turn(Role.USER, text))
    return Prompt(model, turns, tools, forced_tool, max_tokens)


def test_chunks_join_back_to_the_exact_text() -> None:
    assert chunks("Echo: hi  there") == ("Echo:", " hi", "  there")
    assert "".join(chunks(" a\nb  ")) == " a\nb  "


def test_echo_reply_and_usage() -> None:
    answer = build_answer(_prompt("  hello there  "))
    assert answer.content == "Echo: hello there"
    assert answer.text == ("Echo:", " hello", " there")
    # (2 words + 3) + (2 words + 3)
    assert answer.prompt_tokens == 10
    assert answer.completion_tokens == 3
    assert answer.finish is Finish.STOP


def test_empty_message_echoes_the_prefix_only() -> None:
    assert build_answer(_prompt("")).content == "Echo:"


def test_long_model_and_knob() -> None:
    assert len(build_answer(_prompt("x", model="sim-long")).text) == 2 + 200
    answer = build_answer(_prompt("go sim:long=5"))
    assert answer.content == "Echo: go sim:long=5 lorem1 lorem2 lorem3 lorem4 lorem5"


def test_max_tokens_caps_the_text_and_reports_length() -> None:
    answer = build_answer(_prompt("one two three four", max_tokens=2))
    assert answer.content == "Echo: one"
    assert answer.finish is Finish.LENGTH


def test_tool_call_from_the_phrase() -> None:
    answer = build_answer(_prompt("please call lookup the moon", tools=("lookup",)))
    assert answer.tool_call is not None
    assert answer.tool_call.name == "lookup"
    assert answer.tool_call.arguments == '{"query": "the moon"}'
    assert answer.tool_call.pieces == ('{"query":', ' "the', ' moon"}')
    assert answer.finish is Finish.TOOL
    assert answer.completion_tokens == 3


def test_no_tool_call_without_tools_or_for_unknown_names() -> None:
    assert build_answer(_prompt("call lookup x")).tool_call is None
    assert build_answer(_prompt("call other x", tools=("lookup",))).tool_call is None
    assert build_answer(_prompt("recall lookup", tools=("lookup",))).tool_call is None


def test_forced_tool_uses_the_whole_message() -> None:
    answer = build_answer(_prompt("weather in Lisbon", tools=("w",), forced_tool="w"))
    assert answer.tool_call is not None
    assert answer.tool_call.input == {"query": "weather in Lisbon"}


def test_tool_result_reply() -> None:
    turns = (
        Turn(Role.USER, "call lookup x"),
        Turn(Role.ASSISTANT),
        Turn(Role.TOOL, "42", tool_result=True),
        Turn(Role.TOOL, "43", tool_result=True),
    )
    answer = build_answer(Prompt("m", turns, tools=("lookup",)))
    assert answer.tool_call is None
    assert answer.content == "Tool said: 42 43"


def test_thinking_comes_first_and_counts() -> None:
    answer = build_answer(_prompt("hi", model="sim-think"))
    assert answer.reasoning_text == "Thinking about: hi"
    assert answer.reasoning_tokens == 3
    assert answer.completion_tokens == 3 + 2


def test_a_json_object_after_the_phrase_is_the_arguments() -> None:
    text = 'please call Bash {"command": "echo hi", "timeout": 5} and then stop'
    answer = build_answer(_prompt(text, tools=("Bash",)))
    assert answer.tool_call is not None
    assert answer.tool_call.input == {"command": "echo hi", "timeout": 5}
    assert answer.tool_call.arguments == '{"command": "echo hi", "timeout": 5}'
    assert "".join(answer.tool_call.pieces) == answer.tool_call.arguments


def test_text_that_is_not_a_json_object_stays_the_query() -> None:
    for rest in ('{"command": "unterminated', "[1, 2]", "{not json}"):
        answer = build_answer(_prompt(f"call Bash {rest}", tools=("Bash",)))
        assert answer.tool_call is not None
        assert answer.tool_call.input == {"query": rest}
