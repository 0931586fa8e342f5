"""Thinking controls across formats, and ``<think>`` tags inside text.

Formats express "how much to think" differently: OpenAI and Responses by
effort (``low``/``medium``/``high``), Anthropic and Gemini 2.5 by a token
budget, Ollama by a switch. The hub keeps whichever the client gave
(``reasoning_effort`` or ``thinking_budget``) and providers convert here.
"""

from __future__ import annotations

from typing import Any

# Budgets chosen to match what providers document as typical for each level
# (Anthropic's minimum is 1024; Gemini 2.5 Pro's maximum is 32768).
_EFFORT_BUDGET = {
    "none": 0,
    "minimal": 512,
    "low": 1024,
    "medium": 8192,
    "high": 24576,
    "xhigh": 32768,
    "max": 32768,
}
DYNAMIC = -1


def budget_for_effort(effort: str) -> int:
    """Token budget for an effort level (unknown levels count as medium)."""
    return _EFFORT_BUDGET.get(effort, _EFFORT_BUDGET["medium"])


def effort_for_budget(budget: int) -> str:
    """The effort level closest to a token budget (-1 means medium)."""
    if budget < 0:
        return "medium"
    if budget == 0:
        return "none"
    if budget <= 1024:
        return "low"
    if budget <= 8192:
        return "medium"
    return "high"


def requested_budget(hub: dict[str, Any]) -> int | None:
    """The thinking budget a hub request asks for; None when it says nothing.

    0 means thinking off and -1 means "let the model decide".
    """
    budget = hub.get("thinking_budget")
    if isinstance(budget, int) and not isinstance(budget, bool):
        return budget
    effort = hub.get("reasoning_effort")
    if isinstance(effort, str):
        return budget_for_effort(effort)
    return None


def requested_effort(hub: dict[str, Any]) -> str | None:
    """The effort level a hub request asks for; None when it says nothing."""
    effort = hub.get("reasoning_effort")
    if isinstance(effort, str):
        return effort
    budget = hub.get("thinking_budget")
    if isinstance(budget, int) and not isinstance(budget, bool):
        return effort_for_budget(budget)
    return None


_OPEN, _CLOSE = "<think>", "</think>"


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that starts ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ThinkTagSplitter:
    """Moves a leading ``<think>...</think>`` out of streamed answer text.

    Some providers (DeepSeek-R1 and Qwen behind plain OpenAI-compatible
    servers) put reasoning inline. Only a block at the very start of the
    answer counts, so an answer that merely mentions the tag is untouched.
    Tags may be split across chunks.
    """

    def __init__(self) -> None:
        self._state = "detect"
        self._buffer = ""
        self._fresh = True
        self._after_think = False

    def feed(self, text: str) -> tuple[str, str]:
        """``(reasoning, answer text)`` that can be released for this piece."""
        if self._state == "text":
            if self._after_think:
                # The blank line after "</think>" is layout, not answer.
                text = text.lstrip("\n")
                self._after_think = not text
            return "", text
        self._buffer += text
        if self._state == "detect":
            stripped = self._buffer.lstrip()
            if not stripped or (_OPEN.startswith(stripped) and stripped != _OPEN):
                return "", ""
            if not stripped.startswith(_OPEN):
                self._state, released, self._buffer = "text", self._buffer, ""
                return "", released
            self._state, self._buffer = "think", stripped[len(_OPEN) :]
        if self._fresh:
            # "<think>\n..." : the newline after the tag is layout, not reasoning.
            self._buffer = self._buffer.lstrip("\n")
            self._fresh = not self._buffer
        end = self._buffer.find(_CLOSE)
        if end >= 0:
            reasoning, rest = self._buffer[:end], self._buffer[end + len(_CLOSE) :]
            self._state, self._buffer, self._after_think = "text", "", True
            return reasoning, self.feed(rest)[1]
        keep = _partial_suffix(self._buffer, _CLOSE)
        cut = len(self._buffer) - keep
        reasoning, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return reasoning, ""

    def flush(self) -> tuple[str, str]:
        """Whatever is still held back when the answer ends."""
        held, self._buffer = self._buffer, ""
        if self._state == "think":
            return held, ""
        return "", held


# OpenAI's reasoning models take reasoning effort and max_completion_tokens
# and reject sampling parameters; other models reject reasoning parameters.
_OPENAI_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


def is_openai_reasoning_model(model: str) -> bool:
    """Whether ``model`` is one of OpenAI's reasoning (o-series, GPT-5) models."""
    name = model.rsplit("/", 1)[-1].lower()
    return name.startswith(_OPENAI_REASONING_PREFIXES)
