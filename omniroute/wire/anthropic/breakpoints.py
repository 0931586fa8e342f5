"""Anthropic's rules for prompt-cache breakpoints, applied to a finished body.

Markers reach an Anthropic body from anywhere in the hub (several clients'
conventions, system messages hoisted together, tool results merged into one
turn), so the rules are checked once on the body Anthropic will read, in the
order it reads a prompt: tools, then system, then messages.
"""

from __future__ import annotations

from typing import Any

from omniroute.wire import cache_control

Json = dict[str, Any]

# Anthropic answers 400 to a request with more breakpoints than this.
MAX_BREAKPOINTS = 4


def fit_breakpoints(body: Json) -> None:
    """Makes the markers of an Anthropic Messages ``body`` acceptable (in place)."""
    marked = _marked_blocks(body)
    # A cache read looks backwards from a breakpoint, so a later breakpoint
    # caches a longer prefix; keeping the last four keeps the most cached.
    for block in marked[:-MAX_BREAKPOINTS]:
        del block[cache_control.KEY]
    _order_lifetimes(marked[-MAX_BREAKPOINTS:])


def _order_lifetimes(marked: list[Json]) -> None:
    """Shortens to the default 5 minutes any 1-hour marker after a 5-minute one.

    Anthropic rejects a prompt whose 1-hour entry comes after a 5-minute
    one. Lengthening the earlier entry instead would bill the client for
    1-hour writes (twice the base price, against 1.25 times) it never asked
    for; shortening the later one keeps every breakpoint at no extra cost.
    """
    short_seen = False
    for block in marked:
        marker = block[cache_control.KEY]
        if marker.get("ttl") != "1h":
            short_seen = True
        elif short_seen:
            block[cache_control.KEY] = {k: v for k, v in marker.items() if k != "ttl"}


def _marked_blocks(body: Json) -> list[Json]:
    """Every tool and block carrying a marker, in prompt order."""
    marked: list[Json] = []
    for tool in body.get("tools") or []:
        _collect(tool, marked)
    system = body.get("system")
    for block in system if isinstance(system, list) else []:
        _collect(block, marked)
    for message in body.get("messages") or []:
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            _collect(block, marked)
    return marked


def _collect(block: Json, marked: list[Json]) -> None:
    inner = block.get("content")
    if block.get("type") == "tool_result" and isinstance(inner, list):
        # A result's own blocks come before the end of the result.
        for child in inner:
            _collect(child, marked)
    if cache_control.carries(block):
        marked.append(block)
