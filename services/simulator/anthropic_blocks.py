"""An Anthropic Messages request as the prompt cache's blocks, in the order
the API processes them: each tool definition, each system block, each
content block of each message (a string content is one block).

Tokens follow the simulator's word rule, so the blocks of the messages and
system add up to ``answers.prompt_tokens`` (the 3 tokens of each message go
to its first block). Tool definitions count too, as the real API bills
them: the words of the name, the description and the JSON schema
(``json.dumps`` default separators).

``cache_control`` is checked as the API checks it, each failure a 400: the
type must be ``ephemeral``, the ttl ``5m`` or ``1h``, at most four blocks
may carry it, and a 1 h breakpoint may not follow a 5 m one.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from services.simulator.answers import TOKENS_PER_MESSAGE, count_words
from services.simulator.errors import ProviderError
from services.simulator.parsing import text_of
from services.simulator.prompt_cache import EMPTY_PREFIX, Block, Ttl, extend

MAX_BREAKPOINTS = 4
_ORDER_NOTE = (
    "Note that blocks are processed in the following order: "
    "`tools`, `system`, `messages`."
)


def prompt_blocks(body: dict[str, Any]) -> list[Block]:
    """The request's blocks, each with the digest of its prefix; raises
    ``ProviderError(400)`` for ``cache_control`` the API would refuse."""
    chain = _Chain()
    for index, tool in enumerate(body.get("tools") or []):
        if isinstance(tool, dict):
            chain.add(f"tools.{index}", ["tool"], tool, _tool_tokens(tool))
    system = body.get("system")
    if isinstance(system, str):
        system = [{"type": "text", "text": system}] if system else []
    if isinstance(system, list):
        overhead = TOKENS_PER_MESSAGE if text_of(system) else 0
        for index, block in enumerate(system):
            words = count_words(text_of([block]))
            chain.add(f"system.{index}", ["system"], block, words + overhead)
            overhead = 0
    # Changing tool_choice or the thinking settings invalidates the cached
    # messages (not tools or system), per the guide's invalidation table.
    chain.mix([body.get("tool_choice"), body.get("thinking")])
    for index, message in enumerate(body.get("messages") or []):
        if isinstance(message, dict):
            _add_message(chain, f"messages.{index}", message)
    chain.check_order()
    return chain.blocks


def _tool_tokens(tool: dict[str, Any]) -> int:
    words = count_words(str(tool.get("name") or ""))
    words += count_words(str(tool.get("description") or ""))
    schema = tool.get("input_schema")
    return words + (count_words(json.dumps(schema)) if schema is not None else 0)


def _add_message(chain: _Chain, path: str, message: dict[str, Any]) -> None:
    role = message.get("role")
    content = message.get("content")
    # A string (or an empty list) is one block: its message still costs 3.
    parts: list[Any] = [content]
    listed = isinstance(content, list) and bool(content)
    if isinstance(content, list) and content:
        parts = content
    # Mirrors anthropic_format._turn: a message with tool results counts
    # only their texts.
    results = listed and any(_is_tool_result(part) for part in parts)
    overhead = TOKENS_PER_MESSAGE
    for index, part in enumerate(parts):
        if results:
            text = text_of(part.get("content")) if _is_tool_result(part) else ""
        else:
            text = text_of([part]) if listed else text_of(part)
        if isinstance(part, str):
            part = {"type": "text", "text": part}
        where = f"{path}.content.{index}" if listed else f"{path}.content"
        chain.add(where, ["message", role], part, count_words(text) + overhead)
        overhead = 0


def _is_tool_result(part: Any) -> bool:
    return isinstance(part, dict) and part.get("type") == "tool_result"


class _Chain:
    """Blocks in order, each extending the digest of the one before."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._prefix = EMPTY_PREFIX
        self._paths: list[str] = []

    def add(self, path: str, where: list[Any], block: Any, tokens: int) -> None:
        """Appends ``block`` (found at ``path``; ``where`` is its section and
        role, part of what it is) with its tokens."""
        ttl: Ttl | None = None
        if isinstance(block, dict) and block.get("cache_control") is not None:
            ttl = _ttl_of(path, block["cache_control"])
            # The marker is not content: moving it leaves the prefix equal.
            block = _without_cache_control(block)
        self.mix([*where, block])
        self.blocks.append(Block(self._prefix, tokens, ttl))
        self._paths.append(path)

    def mix(self, value: Any) -> None:
        # Sorted keys: the same block always hashes the same, whatever order
        # a client wrote its fields in.
        content = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        self._prefix = extend(self._prefix, content)

    def check_order(self) -> None:
        marked = [
            (path, block.ttl)
            for path, block in zip(self._paths, self.blocks, strict=True)
            if block.ttl is not None
        ]
        if len(marked) > MAX_BREAKPOINTS:
            raise ProviderError(
                400,
                f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may "
                f"be provided. Found {len(marked)}.",
            )
        seen_short = False
        for path, ttl in marked:
            if ttl is Ttl.ONE_HOUR and seen_short:
                raise ProviderError(
                    400,
                    f"{path}.cache_control.ttl: a ttl='1h' cache_control block "
                    "must not come after a ttl='5m' cache_control block. "
                    + _ORDER_NOTE,
                )
            seen_short = seen_short or ttl is Ttl.FIVE_MINUTES


def _ttl_of(path: str, control: Any) -> Ttl:
    if not isinstance(control, dict):
        raise ProviderError(
            400, f"{path}.cache_control: Input should be a valid dictionary"
        )
    if control.get("type") != "ephemeral":
        raise ProviderError(
            400, f"{path}.cache_control.type: Input should be 'ephemeral'"
        )
    ttl = control.get("ttl")
    if ttl is None:
        return Ttl.FIVE_MINUTES
    if ttl not in (Ttl.FIVE_MINUTES.value, Ttl.ONE_HOUR.value):
        raise ProviderError(
            400, f"{path}.cache_control.ttl: Input should be '5m' or '1h'"
        )
    return Ttl(ttl)


def _without_cache_control(block: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in block.items() if key != "cache_control"}
