"""Validation of combos before they are stored.

The router skips a combo it cannot use (unknown strategy, a cycle, nested
too deep) with a log line; admin refuses it up front with a 400 that says
why, so an operator never saves a combo that silently does nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from omniroute.common.v1 import config_pb2
from omniroute.errors import BadRequest
from omniroute.routing.strategies import Strategy
from omniroute.routing.table import combo_depth


def normalise_strategy(value: str) -> str:
    try:
        return str(Strategy.parse(value))
    except ValueError as exc:
        raise BadRequest(f"strategy: {exc}", param="strategy") from None


def as_proto(name: str, members: Iterable[Mapping[str, Any]]) -> config_pb2.Combo:
    return config_pb2.Combo(
        name=name,
        members=[
            config_pb2.ComboMember(
                model=str(m["model"]), weight=int(m.get("weight", 1))
            )
            for m in members
        ],
    )


def check_graph(
    combos: Mapping[str, config_pb2.Combo], names: Sequence[str], max_depth: int
) -> None:
    """Every combo in ``names`` is acyclic and at most ``max_depth`` deep."""
    for name in names:
        depth = combo_depth(name, dict(combos))
        if depth is None:
            raise BadRequest(
                f"members: combo '{name}' would contain itself (a cycle through "
                "nested combos)",
                param="members",
            )
        if depth > max_depth:
            raise BadRequest(
                f"members: combo '{name}' would nest {depth} levels deep; the "
                f"limit is max_combo_depth={max_depth} (PUT /api/routing)",
                param="members",
            )


def referrers(combos: Mapping[str, config_pb2.Combo], name: str) -> list[str]:
    """Combos that have ``name`` as a member."""
    return sorted(
        other.name
        for other in combos.values()
        if other.name != name and any(m.model == name for m in other.members)
    )
