"""Builds the routing table from a configuration snapshot.

The router runs this on every snapshot change and streams the result to the
edges; the edges resolve model names against it locally (``resolve.py``), so
no request pays a round trip to the router.
"""

from __future__ import annotations

import time
from collections import defaultdict

from omniroute.common.v1 import common_pb2, config_pb2
from omniroute.router.v1 import router_pb2


def servable(provider: config_pb2.Provider) -> bool:
    """A provider takes traffic when enabled and with an account to call it."""
    return provider.enabled and any(a.enabled for a in provider.accounts)


def build_table(
    snapshot: config_pb2.ConfigSnapshot, version: int
) -> router_pb2.RoutingTable:
    table = router_pb2.RoutingTable(
        version=version,
        config_version=snapshot.version,
        built_unix_ms=int(time.time() * 1000),
    )
    providers = [p for p in snapshot.providers if servable(p)]
    servers: dict[str, list[config_pb2.Provider]] = defaultdict(list)
    for provider in providers:
        _add_prefixes(table, provider)
        for model in provider.models:
            servers[model].append(provider)
            table.models.add(
                id=f"{provider.id}/{model}", owned_by=provider.id, type="chat"
            )
    for model, candidates in servers.items():
        if len(candidates) == 1:
            table.routes[model].CopyFrom(_model_route(model, candidates[0], model))
        else:
            table.ambiguous[model].models.extend(f"{p.id}/{model}" for p in candidates)
    for alias in snapshot.aliases:
        _add_alias(table, alias)
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


def _model_route(
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


def _add_alias(table: router_pb2.RoutingTable, alias: config_pb2.ModelAlias) -> None:
    target = table.routes.get(alias.target)
    if target is None and "/" in alias.target:
        prefix, model = alias.target.split("/", 1)
        if prefix in table.prefixes:
            target = _model_route(alias.target, table.prefixes[prefix], model)
    if target is None:
        return  # its target is not served now; the alias resolves as unknown
    route = router_pb2.Route(
        name=alias.alias, kind=router_pb2.ROUTE_KIND_ALIAS, targets=target.targets
    )
    table.routes[alias.alias].CopyFrom(route)
    table.models.add(id=alias.alias, owned_by="alias", type="chat")
