"""Turns a resolved route into the ordered list of targets for one request.

Model and alias routes are already a plan. A combo's members are ordered by
its strategy (``strategies.py``), nested combos expanded in place (each with
its own strategy), duplicates dropped, and targets whose provider has an
open circuit breaker moved to the end while it rests; once its reset timeout
has passed it keeps its place, so the next request carries the one probe.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from omniroute.common.v1 import common_pb2
from omniroute.router.v1 import router_pb2
from omniroute.routing.strategies import (
    SHARED_RNG,
    Member,
    SharedState,
    Strategy,
    order,
)


@dataclass(frozen=True, slots=True)
class ComboNeed:
    """A combo in the route tree whose strategy needs shared state."""

    combo: str
    strategy: Strategy
    member_ids: tuple[str, ...]


def member_id(member: router_pb2.RouteMember) -> str:
    """Stable identity of a member (survives reordering of the combo)."""
    if member.WhichOneof("member") == "combo":
        return f"combo:{member.combo}"
    return f"{member.target.provider_id}/{member.target.model}"


def combos_needing_state(
    table: router_pb2.RoutingTable, route: router_pb2.Route
) -> list[ComboNeed]:
    needs: list[ComboNeed] = []
    seen: set[str] = set()

    def visit(current: router_pb2.Route) -> None:
        if current.kind != router_pb2.ROUTE_KIND_COMBO or current.name in seen:
            return
        seen.add(current.name)
        strategy = Strategy.parse(current.strategy)
        if strategy.shared_state and len(current.members) > 1:
            ids = tuple(member_id(m) for m in current.members)
            needs.append(ComboNeed(current.name, strategy, ids))
        for member in current.members:
            if member.WhichOneof("member") == "combo" and member.combo in table.routes:
                visit(table.routes[member.combo])

    visit(route)
    return needs


def expand(
    table: router_pb2.RoutingTable,
    route: router_pb2.Route,
    states: Mapping[str, SharedState] | None = None,
    rng: random.Random | None = None,
    now_ms: float | None = None,
) -> list[common_pb2.Target]:
    """The ordered targets of ``route`` for one request."""
    rng = rng or SHARED_RNG
    states = states or {}
    targets: list[common_pb2.Target] = []
    seen: set[tuple[str, str]] = set()

    def visit(current: router_pb2.Route, path: tuple[str, ...]) -> None:
        if current.kind != router_pb2.ROUTE_KIND_COMBO:
            for target in current.targets:
                add(target)
            return
        if current.name in path:
            return  # a cycle the router would have refused; never loop
        members = list(current.members)
        ranking = order(
            Strategy.parse(current.strategy),
            [Member(weight=m.weight or 1, price=m.price) for m in members],
            states.get(current.name),
            rng,
        )
        for index in ranking:
            member = members[index]
            if member.WhichOneof("member") == "combo":
                nested = table.routes.get(member.combo)
                if nested is not None:
                    visit(nested, (*path, current.name))
            else:
                add(member.target)

    def add(target: common_pb2.Target) -> None:
        key = (target.provider_id, target.model)
        if key not in seen:
            seen.add(key)
            targets.append(target)

    visit(route, ())
    if table.open_providers:
        now_ms = time.time() * 1000 if now_ms is None else now_ms
        resting = {
            provider
            for provider, reopens in table.open_providers.items()
            if reopens == 0 or now_ms < reopens
        }
        targets.sort(key=lambda t: t.provider_id in resting)
    fallback = table.global_fallback
    if fallback.targets:
        for target in fallback.targets:
            add(target)
    return targets


def first_target(
    table: router_pb2.RoutingTable, route: router_pb2.Route
) -> common_pb2.Target | None:
    """The target a request would try first, ignoring strategy state (for
    estimates made before planning)."""
    if route.targets:
        return route.targets[0]
    for member in route.members:
        if member.WhichOneof("member") == "target":
            return member.target
        nested = table.routes.get(member.combo)
        if nested is not None:
            return first_target(table, nested)
    return None
