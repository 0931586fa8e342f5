"""The models the gateway lists, and one of them by the name a client uses.

Both list endpoints (OpenAI's and Gemini's) and both retrieve endpoints read
the routing table's model entries through here, so they agree on what
exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from omniroute.router.v1 import router_pb2


def listed(table: router_pb2.RoutingTable | None) -> Sequence[router_pb2.ModelEntry]:
    """Every model entry of the table (none before the first table arrives)."""
    return () if table is None else table.models


def find(
    table: router_pb2.RoutingTable | None, name: str
) -> router_pb2.ModelEntry | None:
    """The entry of a listed model, by its id or a name that routes to it.

    A bare model served by one provider (``gpt-4o-mini``) and an alias are
    names of a listed model; the entry is returned under the name asked for.
    A ``provider/model`` the table does not list is unknown here, although a
    chat request may still route it: nothing says that model exists.
    """
    if table is None or not name:
        return None
    found = _find(table, name)
    if found is None and name.endswith(":latest"):
        found = _find(table, name.removesuffix(":latest"))  # Ollama's default tag
    return found


def _find(table: router_pb2.RoutingTable, name: str) -> router_pb2.ModelEntry | None:
    entries = {entry.id: entry for entry in table.models}
    if name in entries:
        return entries[name]
    route = table.routes.get(name)
    if route is None or not route.targets:
        return None
    target = route.targets[0]
    entry = entries.get(f"{target.provider_id}/{target.model}")
    if entry is None:
        return None
    return router_pb2.ModelEntry(
        id=name, owned_by=entry.owned_by, type=entry.type, created=entry.created
    )
