"""Builds the routing table from a configuration snapshot and provider health.

The router runs this on every snapshot or breaker change and streams the
result to the edges; the edges resolve model names against it locally
(``resolve.py``) and order combo members per request (``plan.py``), so no
request pays a round trip to the router.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Mapping

from omniroute.common.v1 import common_pb2, config_pb2
from omniroute.pricing import PriceBook
from omniroute.router.v1 import router_pb2
from omniroute.routing.strategies import Strategy

log = logging.getLogger(__name__)

DEFAULT_MAX_COMBO_DEPTH = 3


def servable(provider: config_pb2.Provider) -> bool:
    """A provider takes traffic when enabled and with an account to call it."""
    return provider.enabled and any(a.enabled for a in provider.accounts)


def build_table(
    snapshot: config_pb2.ConfigSnapshot,
    version: int,
    open_providers: Mapping[str, int] | None = None,
) -> router_pb2.RoutingTable:
    """The routing table; ``open_providers`` maps a provider with an open
    breaker to the instant (Unix ms) it admits a probe again."""
    table = router_pb2.RoutingTable(
        version=version,
        config_version=snapshot.version,
        built_unix_ms=int(time.time() * 1000),
        open_providers=dict(open_providers or {}),
    )
    providers = [p for p in snapshot.providers if servable(p)]
    servers: dict[str, list[config_pb2.Provider]] = defaultdict(list)
    for provider in providers:
        _add_prefixes(table, provider)
        for kind, models in (
            ("chat", provider.models),
            ("embedding", provider.embedding_models),
            ("image", provider.image_models),
            ("audio", provider.transcription_models),
            ("speech", provider.speech_models),
            ("rerank", provider.rerank_models),
            ("moderation", provider.moderation_models),
        ):
            for model in models:
                if provider not in servers[model]:
                    servers[model].append(provider)
                table.models.add(
                    id=f"{provider.id}/{model}", owned_by=provider.id, type=kind
                )
    for model, candidates in servers.items():
        if len(candidates) == 1:
            table.routes[model].CopyFrom(model_route(model, candidates[0], model))
        else:
            table.ambiguous[model].models.extend(f"{p.id}/{model}" for p in candidates)
    for alias in snapshot.aliases:
        _add_alias(table, alias)
    _add_combos(table, snapshot, PriceBook(snapshot.prices))
    fallback = snapshot.routing.global_fallback_model
    if fallback:
        route = lookup_model(table, fallback)
        if route is not None:
            table.global_fallback.CopyFrom(route)
    return table


def _add_prefixes(
    table: router_pb2.RoutingTable, provider: config_pb2.Provider
) -> None:
    route = router_pb2.ProviderRoute(provider_id=provider.id, format=provider.format)
    # The id always wins over another provider's alias.
    table.prefixes[provider.id].CopyFrom(route)
    for alias in provider.aliases:
        if alias not in table.prefixes:
            table.prefixes[alias].CopyFrom(route)


def model_route(
    name: str, provider: config_pb2.Provider | router_pb2.ProviderRoute, model: str
) -> router_pb2.Route:
    provider_id = (
        provider.id
        if isinstance(provider, config_pb2.Provider)
        else provider.provider_id
    )
    return router_pb2.Route(
        name=name,
        kind=router_pb2.ROUTE_KIND_MODEL,
        targets=[
            common_pb2.Target(
                provider_id=provider_id, model=model, format=provider.format
            )
        ],
    )


def lookup_model(table: router_pb2.RoutingTable, name: str) -> router_pb2.Route | None:
    """A model or alias route by name, or ``provider/model``; None if unknown."""
    route = table.routes.get(name)
    if route is not None:
        return route
    prefix, slash, model = name.partition("/")
    if slash and model and prefix in table.prefixes:
        return model_route(name, table.prefixes[prefix], model)
    return None


def _add_alias(table: router_pb2.RoutingTable, alias: config_pb2.ModelAlias) -> None:
    target = lookup_model(table, alias.target)
    if target is None or target.kind == router_pb2.ROUTE_KIND_COMBO:
        return  # its target is not served now; the alias resolves as unknown
    route = router_pb2.Route(
        name=alias.alias, kind=router_pb2.ROUTE_KIND_ALIAS, targets=target.targets
    )
    table.routes[alias.alias].CopyFrom(route)
    table.models.add(id=alias.alias, owned_by="alias", type="chat")


def _add_combos(
    table: router_pb2.RoutingTable,
    snapshot: config_pb2.ConfigSnapshot,
    prices: PriceBook,
) -> None:
    combos = {c.name: c for c in snapshot.combos if c.enabled}
    max_depth = snapshot.routing.max_combo_depth or DEFAULT_MAX_COMBO_DEPTH
    for combo in combos.values():
        depth = combo_depth(combo.name, combos)
        if depth is None or depth > max_depth:
            log.warning(
                "combo skipped: nested too deep or in a cycle",
                extra={"combo": combo.name, "max_depth": max_depth},
            )
            continue
        route = router_pb2.Route(
            name=combo.name,
            kind=router_pb2.ROUTE_KIND_COMBO,
            strategy=str(Strategy.parse(combo.strategy or "priority")),
        )
        for member in combo.members:
            weight = member.weight if member.weight > 0 else 1
            if member.model in combos:
                route.members.add(combo=member.model, weight=weight)
                continue
            target_route = lookup_model(table, member.model)
            if target_route is None:
                log.warning(
                    "combo member not routable",
                    extra={"combo": combo.name, "member": member.model},
                )
                continue
            for target in target_route.targets:
                price = prices.lookup(target.provider_id, target.model)
                route.members.add(
                    target=target, weight=weight, price=price.blended if price else 0.0
                )
        if route.members:
            table.routes[combo.name].CopyFrom(route)
            table.models.add(id=combo.name, owned_by="combo", type="combo")


def combo_depth(
    name: str, combos: dict[str, config_pb2.Combo], seen: frozenset[str] = frozenset()
) -> int | None:
    """Nesting depth of a combo (1 = no nested combos); None for a cycle."""
    if name in seen:
        return None
    deepest = 0
    for member in combos[name].members:
        if member.model in combos:
            depth = combo_depth(member.model, combos, seen | {name})
            if depth is None:
                return None
            deepest = max(deepest, depth)
    return deepest + 1
