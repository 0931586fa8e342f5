import random

from omniroute.common.v1 import common_pb2, config_pb2
from omniroute.router.v1 import router_pb2
from omniroute.routing.plan import combos_needing_state, expand
from omniroute.routing.resolve import resolve
from omniroute.routing.strategies import SharedState, Strategy
from omniroute.routing.table import build_table


def _provider(pid: str, models: list[str]) -> config_pb2.Provider:
    return config_pb2.Provider(
        id=pid,
        format=common_pb2.API_FORMAT_OPENAI_CHAT,
        enabled=True,
        models=models,
        accounts=[config_pb2.Account(id=f"{pid}-1", enabled=True)],
    )


def _combo(name: str, strategy: str, *models: str) -> config_pb2.Combo:
    return config_pb2.Combo(
        name=name,
        strategy=strategy,
        enabled=True,
        members=[config_pb2.ComboMember(model=m, weight=1) for m in models],
    )


def _snapshot(
    *combos: config_pb2.Combo, fallback: str = ""
) -> config_pb2.ConfigSnapshot:
    return config_pb2.ConfigSnapshot(
        version=1,
        providers=[
            _provider("a", ["gpt-4o-mini", "m1"]),
            _provider("b", ["m2"]),
            _provider("c", ["m3"]),
        ],
        combos=list(combos),
        routing=config_pb2.RoutingSettings(global_fallback_model=fallback),
    )


def _pairs(targets: list[common_pb2.Target]) -> list[tuple[str, str]]:
    return [(t.provider_id, t.model) for t in targets]


def test_priority_combo_is_an_ordered_fallback_list() -> None:
    table = build_table(_snapshot(_combo("smart", "priority", "m2", "a/m1", "c/m3")), 1)
    route = resolve(table, "smart")
    assert route.kind == router_pb2.ROUTE_KIND_COMBO
    assert _pairs(expand(table, route)) == [("b", "m2"), ("a", "m1"), ("c", "m3")]
    assert "smart" in {m.id for m in table.models if m.owned_by == "combo"}


def test_nested_combos_expand_in_place_without_duplicates() -> None:
    table = build_table(
        _snapshot(
            _combo("inner", "priority", "m3", "m1"),
            _combo("outer", "priority", "m2", "inner", "a/m1"),
        ),
        1,
    )
    assert _pairs(expand(table, table.routes["outer"])) == [
        ("b", "m2"),
        ("c", "m3"),
        ("a", "m1"),
    ]


def test_cycles_and_too_deep_nesting_are_refused() -> None:
    cycle = build_table(
        _snapshot(_combo("x", "priority", "y"), _combo("y", "priority", "x")), 1
    )
    assert "x" not in cycle.routes and "y" not in cycle.routes
    chain = [_combo(f"c{i}", "priority", f"c{i + 1}") for i in range(4)]
    chain.append(_combo("c4", "priority", "m1"))
    deep = build_table(_snapshot(*chain), 1)
    assert "c4" in deep.routes and "c2" in deep.routes
    assert "c0" not in deep.routes  # depth 5 > 3


def test_open_providers_go_last_and_the_global_fallback_is_appended() -> None:
    snapshot = _snapshot(_combo("smart", "priority", "a/m1", "m2"), fallback="c/m3")
    table = build_table(snapshot, 1, open_providers={"a": 10_000})
    assert _pairs(expand(table, table.routes["smart"], now_ms=9_000)) == [
        ("b", "m2"),
        ("a", "m1"),
        ("c", "m3"),
    ]


def test_a_rested_provider_keeps_its_place_to_carry_the_probe() -> None:
    snapshot = _snapshot(_combo("smart", "priority", "a/m1", "m2"))
    table = build_table(snapshot, 1, open_providers={"a": 10_000})
    assert _pairs(expand(table, table.routes["smart"], now_ms=10_001)) == [
        ("a", "m1"),
        ("b", "m2"),
    ]
    probing = build_table(snapshot, 1, open_providers={"a": 0})
    assert _pairs(expand(probing, probing.routes["smart"], now_ms=10_001))[0] == (
        "b",
        "m2",
    )


def test_round_robin_uses_the_shared_counter() -> None:
    table = build_table(_snapshot(_combo("rr", "round-robin", "m1", "m2", "m3")), 1)
    route = table.routes["rr"]
    needs = combos_needing_state(table, route)
    assert [(n.combo, n.strategy) for n in needs] == [("rr", Strategy.ROUND_ROBIN)]
    assert needs[0].member_ids == ("a/m1", "b/m2", "c/m3")
    firsts = [
        expand(table, route, {"rr": SharedState(counter=n)}, random.Random(0))[0].model
        for n in range(6)
    ]
    assert firsts == ["m1", "m2", "m3", "m1", "m2", "m3"]


def test_stateless_strategies_need_no_redis() -> None:
    table = build_table(_snapshot(_combo("w", "weighted", "m1", "m2")), 1)
    assert combos_needing_state(table, table.routes["w"]) == []
