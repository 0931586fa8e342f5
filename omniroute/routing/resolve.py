"""Resolves a client's model string into a route, against a routing table.

Rules, in order:
1. an exact name the table knows: a bare model served by exactly one
   provider, an alias, or a full model id such as OpenRouter's
   ``anthropic/claude-x`` that one provider lists verbatim;
2. a bare model several providers serve: 400 naming the candidates;
3. ``combo/<name>``: the combo ``<name>`` (the original OmniRoute's explicit
   combo form; a combo's bare name is rule 1);
4. ``claude/<provider>/<model>`` and ``claude/combo/<name>``: the model or
   combo inside. Claude Code's model picker lists only ids that start with
   ``claude``, so the original mirrors every model and combo under such an
   id and strips the wrapper back off. A genuine ``claude/<model>`` (a
   provider ``claude`` serving that model) and an unknown ``<provider>`` are
   left as they are;
5. ``prefix/model`` where the prefix is a provider id or alias: that provider,
   with the rest of the string as its model name (split on the first ``/``);
6. anything else: 404.

A route's ``name`` is what the client's string means (``combo/smart`` is
the combo ``smart``), which a key's model allowlist may name instead.
"""

from __future__ import annotations

from omniroute.errors import BadRequest, NotFound
from omniroute.router.v1 import router_pb2
from omniroute.routing.table import model_route

_MAX_MODEL_LENGTH = 256
_COMBO = "combo/"
_CLAUDE = "claude"
_DISCOVERY = _CLAUDE + "/"


def resolve(table: router_pb2.RoutingTable, model: str) -> router_pb2.Route:
    _check_model_string(model)
    route = table.routes.get(model)
    if route is not None:
        return route
    candidates = table.ambiguous.get(model)
    if candidates is not None:
        names = " or ".join(candidates.models)
        raise BadRequest(
            f"Ambiguous model '{model}': several providers serve it. "
            f"Use a provider prefix: {names}",
            code="ambiguous_model",
            param="model",
        )
    if model.startswith(_COMBO):
        combo = _combo(table, model.removeprefix(_COMBO))
        if combo is not None:
            return combo
    inner = _discovery_target(table, model)
    if inner is not None:
        return resolve(table, inner)
    prefix, slash, rest = model.partition("/")
    if slash and rest and prefix in table.prefixes:
        return model_route(model, table.prefixes[prefix], rest)
    raise NotFound(
        f"The model '{model}' does not exist or no configured provider serves it. "
        "GET /v1/models lists the models you can use.",
        param="model",
    )


def _combo(table: router_pb2.RoutingTable, name: str) -> router_pb2.Route | None:
    route = table.routes.get(name)
    if route is not None and route.kind == router_pb2.ROUTE_KIND_COMBO:
        return route
    return None


def _discovery_target(table: router_pb2.RoutingTable, model: str) -> str | None:
    """The id a ``claude/...`` discovery mirror stands for, else None."""
    if not model.startswith(_DISCOVERY):
        return None
    inner = model.removeprefix(_DISCOVERY)
    first, slash, rest = inner.partition("/")
    if not slash or not rest or _serves(table, _CLAUDE, inner):
        return None
    if inner.startswith(_COMBO):
        return rest if _combo(table, rest) is not None else None
    return inner if first in table.prefixes else None


def _serves(table: router_pb2.RoutingTable, prefix: str, model: str) -> bool:
    """Does the provider behind ``prefix`` list ``model`` among its own?"""
    provider = table.prefixes.get(prefix)
    if provider is None:
        return False
    listed = f"{provider.provider_id}/{model}"
    return any(entry.id == listed for entry in table.models)


def _check_model_string(model: str) -> None:
    if not model:
        raise BadRequest("model: a model name is required", param="model")
    if len(model) > _MAX_MODEL_LENGTH:
        raise BadRequest(
            f"model: longer than {_MAX_MODEL_LENGTH} characters", param="model"
        )
    if "../" in model or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in model):
        raise BadRequest(
            "model: contains a path traversal or control character", param="model"
        )
