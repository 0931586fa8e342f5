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


def members_from_original(models: Any) -> Any:
    """The original OmniRoute's ``models`` list as our members.

    Its entries are a ``"provider/model"`` string, ``{model, weight}``,
    ``{kind: "model", provider, model, weight, connectionId}`` or
    ``{kind: "combo-ref", comboName}``. Its weight 0 means "not set", ours 1.
    A ``connectionId`` pin is not kept: our members name a model, and the
    provider's accounts are chosen per request. Anything else is returned as
    it came, so validation reports it in the request's own terms.
    """
    if not isinstance(models, list):
        return models
    return [_member_from_original(entry) for entry in models]


def _member_from_original(entry: Any) -> Any:
    if isinstance(entry, str):
        return {"model": entry, "weight": 1}
    if not isinstance(entry, dict):
        return entry
    if entry.get("kind") == "combo-ref":
        model = entry.get("comboName")
    else:
        model = entry.get("model")
        provider = entry.get("provider") or entry.get("providerId")
        if isinstance(model, str) and provider and "/" not in model:
            model = f"{provider}/{model}"
    return {"model": model, "weight": entry.get("weight") or 1}


def members_as_original(
    members: Sequence[Mapping[str, Any]], combo_names: Iterable[str]
) -> list[dict[str, Any]]:
    """Our members as the original lists them: nested combos as references."""
    combos = set(combo_names)
    listed: list[dict[str, Any]] = []
    for member in members:
        model, weight = str(member["model"]), int(member.get("weight", 1))
        if model in combos:
            listed.append({"kind": "combo-ref", "comboName": model, "weight": weight})
        else:
            listed.append({"kind": "model", "model": model, "weight": weight})
    return listed
