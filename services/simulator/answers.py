"""The deterministic content every simulated model produces.

Pure code: each wire format parses its request into a ``Prompt`` and renders
the ``Answer`` built here, so every provider gives the same reply to the same
conversation. The rules (also in the package docstring):

* ``M`` is the text of the last user message, surrounding whitespace removed.
* Reply: ``"Echo: " + M`` (``"Echo:"`` when ``M`` is empty).
* Long reply: when the model name contains ``long`` (``sim-long``) the reply
  gets ``" lorem1 lorem2 … lorem200"`` appended; the knob ``sim:long=N`` in
  ``M`` appends ``N`` words instead, whatever the model.
* Tool call: when tools are offered (and the tool choice is not ``none``) and
  ``M`` contains ``call <tool_name>`` for an offered tool, or the tool choice
  forces a tool, the answer is a call to that tool with the arguments
  ``{"query": "<M after 'call <tool_name>', stripped>"}`` (the whole ``M``
  when the tool was forced without the phrase). When the rest of ``M``
  starts with a JSON object (``call Bash {"command": "echo hi"}``), that
  object is the arguments instead (whatever follows it is ignored), so a
  real client's tool gets arguments of its own shape.
* Tool result: when the conversation ends with tool results, the reply is
  ``"Tool said: " + <their texts joined by one space>``.
* Thinking: when the model name contains ``think``, a reasoning part
  ``"Thinking about: " + M`` (``"Thinking about:"`` when empty) comes first.
* Chunks: texts stream as pieces matching the regex ``\\s*\\S+`` (a word with
  the whitespace before it), so the pieces join back to the exact text; tool
  arguments (``json.dumps`` with the default separators) stream the same way.
* ``max_tokens`` (each format's own field) caps the reply's text chunks; a
  capped reply ends with the format's "length" stop reason.
* Usage: prompt tokens = whitespace-separated words of every message's text
  (system prompt and tool results included) + 3 per message; completion
  tokens = reasoning chunks + text chunks + tool-argument chunks; reasoning
  tokens = reasoning chunks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum

_CHUNK = re.compile(r"\s*\S+")
_LONG_KNOB = re.compile(r"sim:long=(\d+)")
LONG_WORDS = 200
MAX_LONG_WORDS = 100_000
TOKENS_PER_MESSAGE = 3


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of the conversation, reduced to what the rules need."""

    role: Role
    text: str = ""
    tool_result: bool = False


@dataclass(frozen=True, slots=True)
class Prompt:
    """A request in any format, normalised."""

    model: str
    turns: tuple[Turn, ...]
    tools: tuple[str, ...] = ()
    forced_tool: str | None = None
    max_tokens: int | None = None


class Finish(StrEnum):
    STOP = "stop"
    LENGTH = "length"
    TOOL = "tool"


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    arguments: str
    pieces: tuple[str, ...]

    @property
    def input(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.arguments)
        return parsed


@dataclass(frozen=True, slots=True)
class Answer:
    model: str
    reasoning: tuple[str, ...]
    text: tuple[str, ...]
    tool_call: ToolCall | None
    finish: Finish
    prompt_tokens: int
    completion_tokens: int = field(init=False)

    def __post_init__(self) -> None:
        pieces = len(self.tool_call.pieces) if self.tool_call else 0
        total = len(self.reasoning) + len(self.text) + pieces
        object.__setattr__(self, "completion_tokens", total)

    @property
    def reasoning_text(self) -> str:
        return "".join(self.reasoning)

    @property
    def content(self) -> str:
        return "".join(self.text)

    @property
    def reasoning_tokens(self) -> int:
        return len(self.reasoning)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def chunks(text: str) -> tuple[str, ...]:
    """Splits text into stream pieces that join back to exactly ``text``."""
    pieces = _CHUNK.findall(text)
    joined_length = sum(len(piece) for piece in pieces)
    if joined_length < len(text):
        # Trailing whitespace is not matched by the pattern; keep it.
        pieces.append(text[joined_length:])
    return tuple(pieces)


def count_words(text: str) -> int:
    return len(text.split())


def prompt_tokens(turns: tuple[Turn, ...]) -> int:
    return sum(count_words(t.text) + TOKENS_PER_MESSAGE for t in turns)


def thinks(model: str) -> bool:
    return "think" in model.lower()


def last_user_text(turns: tuple[Turn, ...]) -> str:
    for turn in reversed(turns):
        if turn.role is Role.USER and not turn.tool_result:
            return turn.text.strip()
    return ""


def trailing_tool_results(turns: tuple[Turn, ...]) -> list[str]:
    results: list[str] = []
    for turn in reversed(turns):
        if not turn.tool_result:
            break
        results.append(turn.text.strip())
    return results[::-1]


def build_answer(prompt: Prompt) -> Answer:
    """The deterministic answer to ``prompt`` (rules in the module docstring)."""
    message = last_user_text(prompt.turns)
    reasoning: tuple[str, ...] = ()
    if thinks(prompt.model):
        reasoning = chunks(_prefixed("Thinking about:", message))
    tokens = prompt_tokens(prompt.turns)
    results = trailing_tool_results(prompt.turns)
    call = None if results else _tool_call(prompt, message)
    if call is not None:
        return Answer(prompt.model, reasoning, (), call, Finish.TOOL, tokens)
    if results:
        text = chunks(_prefixed("Tool said:", " ".join(results)))
    else:
        text = chunks(_prefixed("Echo:", message) + _long_tail(prompt, message))
    finish = Finish.STOP
    if prompt.max_tokens is not None and len(text) > max(prompt.max_tokens, 1):
        text, finish = text[: max(prompt.max_tokens, 1)], Finish.LENGTH
    return Answer(prompt.model, reasoning, text, None, finish, tokens)


def _prefixed(prefix: str, text: str) -> str:
    return f"{prefix} {text}" if text else prefix


def _long_tail(prompt: Prompt, message: str) -> str:
    knob = _LONG_KNOB.search(message)
    if knob is not None:
        words = min(int(knob.group(1)), MAX_LONG_WORDS)
    elif "long" in prompt.model.lower():
        words = LONG_WORDS
    else:
        return ""
    return "".join(f" lorem{i}" for i in range(1, words + 1))


def _tool_call(prompt: Prompt, message: str) -> ToolCall | None:
    if not prompt.tools:
        return None
    best: tuple[int, str, str] | None = None
    for name in prompt.tools:
        found = re.search(rf"\bcall\s+{re.escape(name)}(?![\w-])", message, re.I)
        if found is not None and (best is None or found.start() < best[0]):
            best = (found.start(), name, message[found.end() :].strip())
    if best is not None:
        return make_tool_call(best[1], best[2])
    if prompt.forced_tool is not None:
        return make_tool_call(prompt.forced_tool, message)
    return None


def make_tool_call(name: str, query: str) -> ToolCall:
    """A call to ``name``: the JSON object ``query`` starts with as its
    arguments, else ``{"query": query}``."""
    given = _leading_object(query)
    arguments = json.dumps(
        {"query": query} if given is None else given, ensure_ascii=False
    )
    return ToolCall(name, arguments, chunks(arguments))


def _leading_object(text: str) -> dict[str, object] | None:
    if not text.startswith("{"):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
