"""Combos, model aliases and prices.

A combo member of the original is a model string, ``{kind: "model",
providerId, model, weight, connectionId}`` or ``{kind: "combo-ref",
comboName}``; here each is ``{model, weight}`` where the model may name
another combo. Strategies keep their names where this gateway has them
(``omniroute.routing.strategies``); the others fall back to ``priority``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omniroute.common.v1 import config_pb2
from omniroute.errors import BadRequest
from omniroute.routing.strategies import Strategy
from services.admin import combo_rules
from services.admin.original_import.plan import AliasPlan, ComboPlan, PricePlan
from services.admin.original_import.providers import ProviderMap
from services.admin.original_import.records import OriginalCombo, OriginalData
from services.admin.original_import.report import Report

# The API's own rules (routes/combos.py, routes/models.py).
COMBO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$")
ALIAS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,255}$")
# The original's legacy names (src/shared/constants/routingStrategies.ts).
_LEGACY = {
    "usage": "least-used",
    "context": "context-optimized",
    "weekly-reset": "reset-window",
}
# Combo fields that change behaviour in the original and have no equivalent.
_UNMAPPED_FIELDS = (
    "allowedProviders",
    "allowedModelFamilies",
    "system_message",
    "systemMessage",
    "tool_filter_regex",
    "toolFilterRegex",
    "context_length",
    "contextLength",
    "dimensions",
)


@dataclass
class RoutingNames:
    """Names taken here before the migration: combos (with their members)
    and aliases, and the nesting limit."""

    combos: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    aliases: set[str] = field(default_factory=set)
    max_depth: int = 3


def strategy_of(value: str) -> tuple[str, str]:
    """Our strategy for the original's, and a note when it differs."""
    name = _LEGACY.get(value.strip().lower(), value.strip().lower()) or "priority"
    try:
        return str(Strategy.parse(name)), ""
    except ValueError:
        return "priority", (
            f"strategy '{value}' has no equivalent here; imported as 'priority' "
            "(ordered fallback)"
        )


def _weight(value: Any) -> int:
    try:
        return max(0, min(1000, int(value)))
    except (TypeError, ValueError):
        return 1


def _member(
    entry: Any, providers: ProviderMap, row: str, report: Report
) -> dict[str, Any] | None:
    if isinstance(entry, str):
        # The original stores a plain string with weight 0 when it saves one.
        return {"model": providers.model(entry.strip()), "weight": 0}
    if not isinstance(entry, dict):
        report.note("combos", row, f"member {entry!r} is not a model; left out")
        return None
    kind = str(entry.get("kind") or "model")
    weight = _weight(entry.get("weight", 1))
    if kind == "combo-ref":
        name = str(entry.get("comboName") or "").strip()
        return {"model": name, "weight": weight} if name else None
    if kind != "model":
        report.note("combos", row, f"member kind '{kind}' has no equivalent; left out")
        return None
    model = str(entry.get("model") or "").strip()
    provider = str(entry.get("providerId") or entry.get("provider") or "").strip()
    if not model:
        return None
    if provider and "/" not in model:
        model = f"{providers.of(provider) or provider}/{model}"
    if entry.get("connectionId"):
        report.note(
            "combos",
            row,
            f"member {model} is pinned to connection {entry['connectionId']}; here "
            "the provider's account strategy picks the account",
        )
    return {"model": providers.model(model), "weight": weight}


def _combo(
    combo: OriginalCombo, providers: ProviderMap, report: Report
) -> ComboPlan | None:
    row = combo.name or combo.id
    if not COMBO_NAME.match(combo.name):
        report.skip(
            "combos", row, "the name is not a combo name here (no '/' or spaces)"
        )
        return None
    raw = combo.data.get("models")
    members = [
        m
        for entry in (raw if isinstance(raw, list) else [])
        if (m := _member(entry, providers, row, report)) is not None
        and m["model"]
        and not any(c.isspace() for c in m["model"])
    ][:100]
    if not members:
        report.skip("combos", row, "no member that maps to a model here")
        return None
    strategy, why = strategy_of(str(combo.data.get("strategy") or "priority"))
    if why:
        report.note("combos", row, why)
    if strategy == "weighted" and not any(m["weight"] for m in members):
        # The original picks uniformly when every weight is 0; equal weights
        # do the same here (0 would mean "only as a fallback").
        members = [{**m, "weight": 1} for m in members]
    config = combo.data.get("config")
    if isinstance(config, dict) and config:
        report.note(
            "combos",
            row,
            f"per-combo config {sorted(config)} is not kept: retries and timeouts "
            "are gateway-wide here (PUT /api/resilience)",
        )
    for name in _UNMAPPED_FIELDS:
        if combo.data.get(name):
            report.note("combos", row, f"{name} has no equivalent; not applied")
    for member in members:
        prefix, slash, _ = member["model"].partition("/")
        if slash and prefix not in providers.prefixes:
            report.note(
                "combos",
                row,
                f"member {member['model']}: no provider '{prefix}' here; it fails "
                "until one is added",
            )
    return ComboPlan(
        name=combo.name,
        strategy=strategy,
        members=members,
        description=str(combo.data.get("description") or "")[:2000],
    )


def _check_nesting(
    plans: list[ComboPlan], names: RoutingNames, report: Report
) -> list[ComboPlan]:
    """Drops combos that would form a cycle or nest deeper than allowed."""
    kept = list(plans)
    while True:
        graph: dict[str, config_pb2.Combo] = {
            name: combo_rules.as_proto(name, members)
            for name, members in names.combos.items()
        }
        graph.update({p.name: combo_rules.as_proto(p.name, p.members) for p in kept})
        for plan in kept:
            try:
                combo_rules.check_graph(graph, [plan.name], names.max_depth)
            except BadRequest as exc:
                report.skip("combos", plan.name, exc.message)
                kept.remove(plan)
                break
        else:
            return kept


def map_combos(
    data: OriginalData, providers: ProviderMap, names: RoutingNames, report: Report
) -> list[ComboPlan]:
    plans: list[ComboPlan] = []
    for combo in data.combos:
        plan = _combo(combo, providers, report)
        if plan is None:
            continue
        if plan.name in names.aliases:
            report.skip("combos", plan.name, "a model alias of that name exists here")
            continue
        plans.append(plan)
    return _check_nesting(plans, names, report)


def map_aliases(
    aliases: Mapping[str, str],
    providers: ProviderMap,
    combos: set[str],
    report: Report,
) -> list[AliasPlan]:
    """``combos``: every combo name there will be (existing and imported)."""
    plans: list[AliasPlan] = []
    for alias, original_target in sorted(aliases.items()):
        target = providers.model(original_target.strip())
        row = f"{alias} -> {original_target}"
        prefix, slash, _ = target.partition("/")
        if not ALIAS_NAME.match(alias):
            reason = "the alias is not a bare model name here (no '/' or spaces)"
        elif alias in combos:
            reason = "a combo has that name here"
        elif target in combos:
            reason = "its target is a combo: clients use the combo's name directly"
        elif not target or any(c.isspace() for c in target) or len(target) > 256:
            reason = "the target is not a model name"
        elif alias == target:
            reason = "it points at itself"
        elif slash and prefix not in providers.prefixes:
            reason = f"its provider '{prefix}' is not configured here"
        else:
            plans.append(AliasPlan(alias, target))
            continue
        report.skip("aliases", row, reason)
    return plans


def _price(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 100_000 else None


def map_prices(
    data: OriginalData, providers: ProviderMap, known: set[str], report: Report
) -> list[PricePlan]:
    """USD per 1M tokens in both: values are taken as they are.

    ``known``: provider ids the price may name here besides the imported
    ones (existing providers and every preset kind).
    """
    plans: list[PricePlan] = []
    for reference, models in data.pricing.items():
        ours = providers.of(reference) or (reference if reference in known else None)
        for model, entry in models.items():
            row = f"{reference}/{model}"
            if ours is None:
                report.skip("prices", row, f"no provider '{reference}' here")
                continue
            if not isinstance(entry, dict):
                report.skip("prices", row, "not a price entry")
                continue
            values = [_price(entry.get(k, 0)) for k in ("input", "output")]
            cached = _price(entry.get("cached", 0))
            if not model.strip() or len(model.strip()) > 256:
                report.skip("prices", row, "not a model name")
                continue
            if None in values or cached is None:
                report.skip("prices", row, "a price is not a number of USD per 1M")
                continue
            input_price, output_price = (v or 0.0 for v in values)
            if entry.get("reasoning") not in (None, entry.get("output")):
                report.note(
                    "prices",
                    row,
                    "the reasoning price is not kept: reasoning tokens are "
                    "priced as output here",
                )
            if entry.get("cache_creation") not in (None, entry.get("input")):
                report.note(
                    "prices",
                    row,
                    "the cache-creation price is not kept: cache writes are priced "
                    "as input here",
                )
            plans.append(
                PricePlan(ours, model.strip(), input_price, output_price, cached)
            )
    return plans
