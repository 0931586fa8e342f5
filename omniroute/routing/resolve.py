"""Resolves a client's model string into a route, against a routing table.

Rules, in order:
1. an exact name the table knows: a bare model served by exactly one
   provider, an alias, or a full model id such as OpenRouter's
   ``anthropic/claude-x`` that one provider lists verbatim;
2. a bare model several providers serve: 400 naming the candidates;
3. ``prefix/model`` where the prefix is a provider id or alias: that provider,
   with the rest of the string as its model name (split on the first ``/``);
4. anything else: 404.
"""

from __future__ import annotations

from omniroute.errors import BadRequest, NotFound
from omniroute.router.v1 import router_pb2
from omniroute.routing.table import model_route

_MAX_MODEL_LENGTH = 256


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
    prefix, slash, rest = model.partition("/")
    if slash and rest and prefix in table.prefixes:
        return model_route(model, table.prefixes[prefix], rest)
    raise NotFound(
        f"The model '{model}' does not exist or no configured provider serves it. "
        "GET /v1/models lists the models you can use.",
        param="model",
    )


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
