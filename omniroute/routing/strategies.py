"""Combo strategies: the order in which a combo's members are tried.

Pure code shared by the router (which validates combos) and the edge (which
orders each request's plan). Stateful strategies take their shared state as
arguments, fetched from Redis by the caller only when the strategy needs it:
``round-robin`` a counter, ``least-used`` and ``p2c`` usage counts,
``strict-random`` the next card of a shuffled deck, ``cache-optimized`` the
member whose provider account holds the request's prompt prefix warm.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Seeding a Random costs more than a whole routing decision; one per process.
SHARED_RNG = random.Random()


class Strategy(StrEnum):
    PRIORITY = "priority"
    WEIGHTED = "weighted"
    ROUND_ROBIN = "round-robin"
    FILL_FIRST = "fill-first"
    LEAST_USED = "least-used"
    COST_OPTIMIZED = "cost-optimized"
    RANDOM = "random"
    STRICT_RANDOM = "strict-random"
    P2C = "p2c"
    # Priority order, but the member whose provider holds the request's
    # prompt prefix in its cache goes first.
    CACHE_OPTIMIZED = "cache-optimized"

    @classmethod
    def parse(cls, value: str) -> Strategy:
        normalised = value.strip().lower().replace("_", "-") or cls.PRIORITY
        aliases = {
            "usage": cls.LEAST_USED,
            "ordered": cls.PRIORITY,
            "cost": cls.COST_OPTIMIZED,
            "cache": cls.CACHE_OPTIMIZED,
        }
        if normalised in aliases:
            return aliases[normalised]
        try:
            return cls(normalised)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown strategy '{value}'; one of: {names}") from None

    @property
    def shared_state(self) -> str | None:
        """Which shared input the strategy needs, if any."""
        return {
            Strategy.ROUND_ROBIN: "counter",
            Strategy.LEAST_USED: "usage",
            Strategy.P2C: "usage",
            Strategy.STRICT_RANDOM: "deck",
            Strategy.CACHE_OPTIMIZED: "prefix",
        }.get(self)


@dataclass(frozen=True, slots=True)
class Member:
    """What a strategy knows of a member."""

    weight: float = 1.0
    price: float = 0.0


@dataclass(frozen=True, slots=True)
class SharedState:
    """Inputs a stateful strategy shares across edges (kept in Redis).

    ``pick`` is a choice already made atomically in Redis (least-used, p2c,
    strict-random); ``usage`` orders the remaining members.
    """

    counter: int = 0
    usage: Sequence[int] = ()
    pick: int | None = None


def order(
    strategy: Strategy,
    members: Sequence[Member],
    state: SharedState | None = None,
    rng: random.Random | None = None,
) -> list[int]:
    """Indices of ``members`` in the order to try them; every index once.

    The first index is the strategy's pick; the rest is the fallback order.
    """
    count = len(members)
    if count <= 1:
        return list(range(count))
    rng = rng or SHARED_RNG
    state = state or SharedState()
    if strategy in (Strategy.PRIORITY, Strategy.FILL_FIRST):
        return list(range(count))
    if strategy is Strategy.CACHE_OPTIMIZED:
        if state.pick is not None and 0 <= state.pick < count:
            return _first(state.pick, count)
        return list(range(count))
    if strategy is Strategy.ROUND_ROBIN:
        start = state.counter % count
        return [(start + i) % count for i in range(count)]
    if strategy is Strategy.WEIGHTED:
        return _weighted_order(members, rng)
    if strategy is Strategy.RANDOM:
        indices = list(range(count))
        rng.shuffle(indices)
        return indices
    if strategy is Strategy.STRICT_RANDOM:
        pick = state.pick if state.pick is not None else rng.randrange(count)
        return _first(pick % count, count)
    if strategy is Strategy.COST_OPTIMIZED:
        # Unknown prices (0) go last, in their configured order.
        return sorted(
            range(count), key=lambda i: (members[i].price <= 0, members[i].price, i)
        )
    usage = list(state.usage) if len(state.usage) == count else [0] * count
    by_usage = sorted(range(count), key=lambda i: (usage[i], i))
    if state.pick is not None and 0 <= state.pick < count:
        return (
            _first(state.pick, count)
            if strategy is Strategy.P2C
            else [
                state.pick,
                *(i for i in by_usage if i != state.pick),
            ]
        )
    if strategy is Strategy.LEAST_USED:
        return by_usage
    # p2c: two random candidates, the less used of them first.
    a, b = p2c_candidates(count, rng)
    pick = a if (usage[a], a) <= (usage[b], b) else b
    return _first(pick, count)


def p2c_candidates(count: int, rng: random.Random) -> tuple[int, int]:
    """The two random members power-of-two-choices compares."""
    a, b = rng.sample(range(count), 2)
    return a, b


def _first(pick: int, count: int) -> list[int]:
    return [pick, *(i for i in range(count) if i != pick)]


def _weighted_order(members: Sequence[Member], rng: random.Random) -> list[int]:
    """Weighted sampling without replacement (Efraimidis-Spirakis keys)."""
    keyed = []
    for index, member in enumerate(members):
        weight = max(member.weight, 0.0)
        key = rng.random() ** (1.0 / weight) if weight > 0 else -1.0 - index
        keyed.append((key, index))
    keyed.sort(reverse=True)
    return [index for _, index in keyed]


def deck(count: int, rng: random.Random | None = None) -> list[int]:
    """A fresh shuffled deck for strict-random: each member once."""
    cards = list(range(count))
    (rng or SHARED_RNG).shuffle(cards)
    return cards
