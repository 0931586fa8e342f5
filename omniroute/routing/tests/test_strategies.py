import random
from collections import Counter

import pytest

from omniroute.routing.strategies import Member, SharedState, Strategy, deck, order

THREE = [Member(), Member(), Member()]


def test_every_strategy_returns_each_member_once() -> None:
    rng = random.Random(1)
    members = [
        Member(weight=w, price=p) for w, p in ((1, 3.0), (2, 0.0), (3, 1.0), (4, 2.0))
    ]
    for strategy in Strategy:
        for counter in range(5):
            state = SharedState(counter=counter, usage=[3, 1, 2, 0], pick=2)
            assert sorted(order(strategy, members, state, rng)) == [0, 1, 2, 3]


def test_priority_and_fill_first_keep_the_configured_order() -> None:
    assert order(Strategy.PRIORITY, THREE) == [0, 1, 2]
    assert order(Strategy.FILL_FIRST, THREE) == [0, 1, 2]


def test_round_robin_rotates_exactly() -> None:
    firsts = [
        order(Strategy.ROUND_ROBIN, THREE, SharedState(counter=n))[0] for n in range(9)
    ]
    assert firsts == [0, 1, 2, 0, 1, 2, 0, 1, 2]
    assert order(Strategy.ROUND_ROBIN, THREE, SharedState(counter=1)) == [1, 2, 0]


def test_weighted_first_picks_follow_the_weights() -> None:
    rng = random.Random(7)
    members = [Member(weight=1), Member(weight=3), Member(weight=6)]
    picks = Counter(
        order(Strategy.WEIGHTED, members, rng=rng)[0] for _ in range(20_000)
    )
    for index, expected in enumerate((0.1, 0.3, 0.6)):
        assert picks[index] / 20_000 == pytest.approx(expected, abs=0.015)


def test_zero_weight_members_are_only_fallbacks() -> None:
    rng = random.Random(3)
    members = [Member(weight=0), Member(weight=1)]
    assert all(order(Strategy.WEIGHTED, members, rng=rng) == [1, 0] for _ in range(100))


def test_least_used_prefers_the_least_used() -> None:
    assert order(Strategy.LEAST_USED, THREE, SharedState(usage=[5, 2, 9])) == [1, 0, 2]
    assert order(Strategy.LEAST_USED, THREE, SharedState(usage=[1, 1, 1])) == [0, 1, 2]


def test_cost_optimized_puts_the_cheapest_first_and_unknown_last() -> None:
    members = [Member(price=5.0), Member(price=0.0), Member(price=0.5)]
    assert order(Strategy.COST_OPTIMIZED, members) == [2, 0, 1]


def test_p2c_never_picks_the_most_used_of_three() -> None:
    rng = random.Random(5)
    state = SharedState(usage=[100, 0, 50])
    firsts = Counter(order(Strategy.P2C, THREE, state, rng)[0] for _ in range(3_000))
    assert firsts[0] == 0
    assert firsts[1] > firsts[2] > 0


def test_strict_random_uses_the_deck_pick() -> None:
    assert order(Strategy.STRICT_RANDOM, THREE, SharedState(pick=2))[0] == 2
    assert sorted(deck(5, random.Random(1))) == [0, 1, 2, 3, 4]


def test_random_spreads_first_picks() -> None:
    rng = random.Random(11)
    firsts = Counter(order(Strategy.RANDOM, THREE, rng=rng)[0] for _ in range(9_000))
    assert all(abs(firsts[i] / 9_000 - 1 / 3) < 0.03 for i in range(3))


@pytest.mark.parametrize(
    ("name", "strategy"),
    [
        ("Priority", Strategy.PRIORITY),
        ("round_robin", Strategy.ROUND_ROBIN),
        ("usage", Strategy.LEAST_USED),
        ("", Strategy.PRIORITY),
    ],
)
def test_parse(name: str, strategy: Strategy) -> None:
    assert Strategy.parse(name) is strategy


def test_parse_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="one of"):
        Strategy.parse("fastest-please")


def test_a_pick_made_in_redis_comes_first() -> None:
    state = SharedState(usage=[0, 5, 1], pick=1)
    assert order(Strategy.LEAST_USED, THREE, state) == [1, 0, 2]
    assert order(Strategy.P2C, THREE, state)[0] == 1
