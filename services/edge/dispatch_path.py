"""What every edge pipeline does between understanding a request and
reading its replies: resolve the model, check the key may use it, admit it
against the key's limits, plan, and put one ``Dispatch`` on the stream.

Chat, media, token counting and whatever endpoint family comes next call
these steps instead of writing them again, so a guard added here (the model
permission, the rate limits, the backlog bound) holds for all of them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from omniroute.common.v1 import common_pb2
from omniroute.dispatch.v1 import dispatch_pb2
from omniroute.router.v1 import router_pb2
from omniroute.routing.plan import expand
from omniroute.routing.strategies import Strategy
from omniroute.runtime import telemetry
from services.edge.admission import Admission
from services.edge.backlog import BacklogMonitor
from services.edge.dispatcher import Dispatcher, ReplyStream
from services.edge.exchange import Exchange
from services.edge.planner import Planner
from services.edge.routing_client import RoutingTableWatcher
from services.edge.settings import EdgeSettings
from services.edge.spend_estimate import NOTHING, Estimate

# A hold outlives its request's deadline by this much (the answer's
# settlement may land just after it).
_HOLD_MARGIN_S = 30.0


@dataclass(frozen=True, slots=True)
class Resolved:
    """A model resolved against the edge's routing table."""

    table: router_pb2.RoutingTable
    route: router_pb2.Route


class DispatchPath:
    def __init__(
        self,
        settings: EdgeSettings,
        routes: RoutingTableWatcher,
        admission: Admission,
        backlog: BacklogMonitor,
        planner: Planner,
        dispatcher: Dispatcher,
    ) -> None:
        self._timeout_s = settings.request_timeout_s
        self._routes = routes
        self._admission = admission
        self._backlog = backlog
        self._planner = planner
        self._dispatcher = dispatcher

    def resolve(self, exchange: Exchange, model: str) -> Resolved:
        """The route of ``model``: 404 for an unknown one, 403 for a model
        the exchange's key may not use."""
        assert exchange.caller is not None
        exchange.requested_model = model
        table, route = self._routes.resolve(model)
        exchange.caller.check_model(model, route.name)
        exchange.strategy = _strategy_name(route)
        return Resolved(table, route)

    def reachable(self, resolved: Resolved) -> list[common_pb2.Target]:
        """Every target a request to ``resolved`` could be served by (its
        fallbacks too), in no particular order: what estimates price."""
        return expand(resolved.table, resolved.route)

    async def admit(
        self, exchange: Exchange, estimate: Estimate = NOTHING, spends: bool = True
    ) -> None:
        """Counts the request against its key's rate limits and holds its
        upper-bound ``estimate`` against the key's token window and budget
        until it is settled (429 when over any); a request that never
        ``spends`` is held to the rate limits only."""
        caller = exchange.caller
        assert caller is not None
        exchange.ticket = await self._admission.admit(
            caller.key_id,
            caller.rpm_limit,
            caller.tpm_limit,
            exchange.request_id,
            estimate,
            # Past its deadline no answer settles it: the hold lapses then.
            hold_s=self._timeout_s + _HOLD_MARGIN_S,
            spends=spends,
        )

    async def submit(
        self,
        exchange: Exchange,
        resolved: Resolved,
        dispatch: dispatch_pb2.Dispatch,
        *,
        plan: Sequence[common_pb2.Target] | None = None,
        timeout_s: float | None = None,
    ) -> ReplyStream:
        """Plans ``resolved`` (unless ``plan`` is given) and dispatches it;
        ``dispatch`` holds what the pipeline knows (format, bodies,
        operation), this fills in the rest."""
        caller = exchange.caller
        assert caller is not None
        self._backlog.admit()
        if plan is None:
            plan = await self.plan(resolved, dispatch.prefix_key)
        dispatch.request_id = exchange.request_id
        dispatch.plan.extend(plan)
        timeout = self._timeout_s if timeout_s is None else timeout_s
        dispatch.deadline_unix_ms = int((time.time() + timeout) * 1000)
        dispatch.api_key_id = caller.key_id
        dispatch.requested_model = exchange.requested_model
        dispatch.session_id = exchange.session_id
        if telemetry.enabled():
            dispatch.trace.CopyFrom(telemetry.to_message())
        return await self._dispatcher.submit(dispatch, background=caller.background)

    async def plan(
        self, resolved: Resolved, prefix_key: str = ""
    ) -> list[common_pb2.Target]:
        """The ordered targets of ``resolved`` (token counting decides from
        them whether to dispatch at all)."""
        return list(
            await self._planner.plan(resolved.table, resolved.route, prefix_key)
        )


def _strategy_name(route: router_pb2.Route) -> str:
    """How ``route``'s targets are ordered, as X-OmniRoute-Decision says it."""
    if route.kind != router_pb2.ROUTE_KIND_COMBO:
        return "direct"
    try:
        return Strategy.parse(route.strategy).value
    except ValueError:  # the router refuses these; never fail an answer on it
        return route.strategy
