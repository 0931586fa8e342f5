"""The prompt cache model on its own, with a clock the tests move."""

from __future__ import annotations

from typing import Any

import pytest

from services.simulator.answers import prompt_tokens
from services.simulator.anthropic_blocks import prompt_blocks
from services.simulator.anthropic_format import parse_prompt
from services.simulator.errors import ProviderError
from services.simulator.prompt_cache import CacheUsage, PromptCache

EPHEMERAL = {"type": "ephemeral"}
ONE_HOUR = {"type": "ephemeral", "ttl": "1h"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def words(count: int, tag: str = "w") -> str:
    return " ".join(f"{tag}{i}" for i in range(count))


def body(
    system_words: int = 1200,
    *,
    system_cache: dict[str, Any] | None = EPHEMERAL,
    messages: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    system: dict[str, Any] = {"type": "text", "text": words(system_words, "s")}
    if system_cache is not None:
        system["cache_control"] = system_cache
    if messages is None:
        messages = [{"role": "user", "content": "hello there"}]
    return {"model": "m", "system": [system], "messages": messages, **extra}


def use(cache: PromptCache, request: dict[str, Any], key: str = "k1") -> CacheUsage:
    return cache.use(key, request["model"], prompt_blocks(request))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> PromptCache:
    return PromptCache(now=clock)


def test_the_second_request_reads_what_the_first_wrote(cache: PromptCache) -> None:
    # system: 1200 words + 3; the user turn after the breakpoint: 2 + 3.
    first = use(cache, body())
    assert first == CacheUsage(input_tokens=5, written_5m=1203)
    second = use(cache, body())
    assert second == CacheUsage(input_tokens=5, read_tokens=1203)


def test_another_credential_or_model_reads_nothing(cache: PromptCache) -> None:
    use(cache, body(), key="k1")
    assert use(cache, body(), key="k2").read_tokens == 0
    assert use(cache, {**body(), "model": "other"}, key="k1").read_tokens == 0
    assert use(cache, body(), key="k1").read_tokens == 1203


def test_a_prefix_below_the_minimum_is_neither_written_nor_read(
    cache: PromptCache,
) -> None:
    short = body(1000)  # 1003 tokens < 1024
    assert use(cache, short) == CacheUsage(input_tokens=1008)
    assert use(cache, short) == CacheUsage(input_tokens=1008)
    # 1503 tokens: enough for most models, not for Haiku's 2048.
    haiku = {**body(1500), "model": "sim-haiku"}
    assert use(cache, haiku) == CacheUsage(input_tokens=1508)
    assert use(cache, {**body(1500), "model": "sim-sonnet"}).written_5m == 1503


def test_entries_expire_after_their_ttl_and_a_read_restarts_it(
    cache: PromptCache, clock: Clock
) -> None:
    use(cache, body())
    clock.now += 299
    assert use(cache, body()).read_tokens == 1203  # refreshed: lives to +599
    clock.now += 299
    assert use(cache, body()).read_tokens == 1203
    clock.now += 301
    expired = use(cache, body())
    assert (expired.read_tokens, expired.written_5m) == (0, 1203)


def test_one_hour_entries_outlive_five_minute_ones(
    cache: PromptCache, clock: Clock
) -> None:
    history = [
        {"role": "user", "content": words(500, "u")},
        {"role": "assistant", "content": "ok"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "next", "cache_control": EPHEMERAL}],
        },
    ]
    request = body(system_cache=ONE_HOUR, messages=history)
    # 1203 under the 1 h breakpoint; (500+3) + (1+3) + (1+3) under the 5 m one.
    assert use(cache, request) == CacheUsage(
        input_tokens=0, written_1h=1203, written_5m=511
    )
    clock.now += 600
    assert use(cache, request) == CacheUsage(
        input_tokens=0, read_tokens=1203, written_5m=511
    )


def test_breakpoints_below_the_minimum_pass_their_tokens_to_the_next(
    cache: PromptCache,
) -> None:
    history = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": words(1000), "cache_control": EPHEMERAL}
            ],
        }
    ]
    # system 103 and the message 1003: only the second breakpoint qualifies,
    # and it writes both.
    request = body(100, system_cache=ONE_HOUR, messages=history)
    assert use(cache, request) == CacheUsage(input_tokens=0, written_5m=1106)


def test_a_growing_conversation_reads_the_previous_turn(cache: PromptCache) -> None:
    turn = [{"role": "user", "content": [{"type": "text", "text": "first"}]}]
    marked = [
        {**turn[0], "content": [{**turn[0]["content"][0], "cache_control": EPHEMERAL}]}
    ]
    assert use(cache, body(system_cache=None, messages=marked)).written_5m == 1207
    grown = [
        *turn,
        {"role": "assistant", "content": "Echo: first"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "second", "cache_control": EPHEMERAL}],
        },
    ]
    # The breakpoint moved to the new last block; the lookback finds the old
    # one. Read 1207, write (2+3) + (1+3).
    again = use(cache, body(system_cache=None, messages=grown))
    assert again == CacheUsage(input_tokens=0, read_tokens=1207, written_5m=9)


def test_the_lookback_reaches_twenty_blocks_back(cache: PromptCache) -> None:
    base = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "q", "cache_control": EPHEMERAL}],
        }
    ]
    use(cache, body(system_cache=None, messages=base))
    plain = {"role": "user", "content": [{"type": "text", "text": "q"}]}
    filler = {"type": "text", "text": "x"}

    def grown(extra_blocks: int) -> dict[str, Any]:
        tail = [*[filler] * (extra_blocks - 1), {**filler, "cache_control": EPHEMERAL}]
        messages = [plain, {"role": "assistant", "content": tail}]
        return body(system_cache=None, messages=messages)

    # 21 blocks on, the first turn's prefix is out of reach; 20 on, it is not
    # (in this order, so the longer request's write cannot help the shorter).
    assert use(cache, grown(21)).read_tokens == 0
    assert use(cache, grown(20)).read_tokens == 1207


def test_changes_invalidate_what_follows_them(cache: PromptCache) -> None:
    tools = [
        {"name": "lookup", "description": "finds", "input_schema": {"type": "object"}}
    ]
    marked_turn = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": words(10), "cache_control": EPHEMERAL}
            ],
        }
    ]
    request = body(messages=marked_turn, tools=tools)
    # lookup + finds + {"type": "object"} = 4 tokens ahead of the system.
    assert use(cache, request).written_5m == 1207 + 13
    # tool_choice is part of the messages' prefix, not of the system's.
    chosen = use(cache, {**request, "tool_choice": {"type": "any"}})
    assert (chosen.read_tokens, chosen.written_5m) == (1207, 13)
    renamed = [{**tools[0], "name": "search"}]
    assert use(cache, {**request, "tools": renamed}).read_tokens == 0


def test_the_marker_is_not_part_of_the_prefix(cache: PromptCache) -> None:
    use(cache, body(system_cache=ONE_HOUR))
    assert use(cache, body(system_cache=EPHEMERAL)).read_tokens == 1203


def test_least_recently_used_entries_go_first(clock: Clock) -> None:
    cache = PromptCache(now=clock, limit=2)
    for tag in ("a", "b"):
        use(cache, body(messages=[{"role": "user", "content": tag}]), key=tag)
    use(cache, body(), key="a")  # reads a, so b is now the oldest
    use(cache, body(), key="c")
    assert use(cache, body(), key="a").read_tokens == 1203
    assert use(cache, body(), key="b").read_tokens == 0


def test_the_split_adds_up_to_the_prompt_tokens() -> None:
    request = body(
        messages=[
            {"role": "user", "content": [{"type": "text", "text": "call lookup x"}]},
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": "t", "name": "lookup", "input": {}}
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "t", "content": "far away"},
                    {"type": "text", "text": "ignored", "cache_control": EPHEMERAL},
                ],
            },
            {"role": "user", "content": []},
        ]
    )
    blocks = prompt_blocks(request)
    assert sum(b.tokens for b in blocks) == prompt_tokens(parse_prompt(request).turns)
    usage = PromptCache().use("k", "m", blocks)
    assert usage.total_tokens == sum(b.tokens for b in blocks)
    assert usage.written_5m > 0 and usage.input_tokens == 3


@pytest.mark.parametrize(
    ("control", "message"),
    [
        ({"type": "persistent"}, "system.0.cache_control.type: Input should be"),
        ({"type": "ephemeral", "ttl": "2h"}, "system.0.cache_control.ttl: Input"),
        ({"type": "ephemeral", "ttl": "24h"}, "system.0.cache_control.ttl: Input"),
        ("ephemeral", "system.0.cache_control: Input should be a valid dictionary"),
    ],
)
def test_malformed_markers_are_refused(control: Any, message: str) -> None:
    with pytest.raises(ProviderError) as caught:
        prompt_blocks(body(system_cache=control))
    assert caught.value.status == 400
    assert caught.value.message.startswith(message)


def test_snapshot_counts_per_account_and_model(
    cache: PromptCache, clock: Clock
) -> None:
    use(cache, body(), key="secret-key")
    use(cache, body(), key="secret-key")
    [scope] = cache.snapshot()["scopes"]
    assert "secret-key" not in str(scope)
    assert scope == {
        "credential": scope["credential"],
        "model": "m",
        "entries": 1,
        "reads": 1,
        "writes": 1,
        "tokens_read": 1203,
        "tokens_written": 1203,
    }
    assert scope["credential"].startswith("sha256:")
    clock.now += 300
    assert cache.snapshot()["scopes"][0]["entries"] == 0
    cache.clear()
    assert cache.snapshot() == {"scopes": []}
