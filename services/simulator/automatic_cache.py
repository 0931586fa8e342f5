"""OpenAI's automatic prompt caching (Chat Completions and Responses): where
a prompt may be cached, and how long.

OpenAI caches prompts of 1024 tokens or more with no marker, in 128-token
increments, for the exact prefix (tools included). The simulator lays the
prompt out as tokens the way its word rule counts them: per message a role
token, a start token, the words of its text and an end token (the 3 tokens
a message costs), after a seed that stands for the tool definitions. Parts
that carry no text (images, an assistant's tool calls) are not modelled.

``prompt_cache_retention``: ``in_memory`` (the default; entries live 5
minutes past their last use, the short end of OpenAI's 5 to 10) or ``24h``.
"""

from __future__ import annotations

from typing import Any

import orjson

from services.simulator.answers import Prompt, Turn
from services.simulator.errors import ProviderError
from services.simulator.prompt_cache import EMPTY_PREFIX, Ttl, extend

MIN_TOKENS = 1024
INCREMENT = 128
_SORTED = orjson.OPT_SORT_KEYS
_RETENTION = {"in_memory": Ttl.FIVE_MINUTES, "24h": Ttl.ONE_DAY}


def cache_marks(prompt: Prompt, body: dict[str, Any]) -> list[tuple[bytes, int]]:
    """(prefix digest, tokens) at every 128-token mark from 1024 on,
    shortest first; none for a shorter prompt."""
    tokens = [token for turn in prompt.turns for token in _tokens(turn)]
    if len(tokens) < MIN_TOKENS:
        return []
    prefix = extend(EMPTY_PREFIX, orjson.dumps(body.get("tools"), option=_SORTED))
    marks: list[tuple[bytes, int]] = []
    for end in range(INCREMENT, len(tokens) + 1, INCREMENT):
        # Each 128-token chunk extends the digest of the chunks before it.
        chunk = "\0".join(tokens[end - INCREMENT : end]) + "\0"
        prefix = extend(prefix, chunk.encode())
        if end >= MIN_TOKENS:
            marks.append((prefix, end))
    return marks


def retention(body: dict[str, Any]) -> Ttl:
    """The TTL ``prompt_cache_retention`` asks for; 400 for an unknown one."""
    value = body.get("prompt_cache_retention")
    if value is None:
        return Ttl.FIVE_MINUTES
    if value not in _RETENTION:
        raise ProviderError(
            400,
            f"Invalid value: '{value}'. Supported values are: 'in_memory' and '24h'.",
        )
    return _RETENTION[value]


def _tokens(turn: Turn) -> list[str]:
    kind = "<|tool_result|>" if turn.tool_result else "<|content|>"
    return [f"<|{turn.role}|>", kind, *turn.text.split(), "<|end|>"]
