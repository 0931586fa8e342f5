"""The 429 a request gets when its key's budget cannot take it.

There are three reasons, and a client should act differently on each, so
the message names the one that applies, with the real figures:

* the budget is spent: wait for the period to end (``Retry-After`` says
  when);
* requests in flight hold the rest: retry in a moment, when they settle
  (each holds its upper-bound cost until its answer is in);
* this request alone may cost more than is left: lower ``max_tokens`` (or
  ``n``), or wait for the period to end.
"""

from __future__ import annotations

from datetime import UTC, datetime

from omniroute.common.v1 import config_pb2
from omniroute.errors import RateLimited

# Requests in flight settle within seconds: come back then.
HELD_RETRY_S = 2


def usd(amount: float) -> str:
    """Dollars with the digits that matter: $12.50, $0.10, $0.024, $0.000007
    (a micro-dollar is the unit budgets count in)."""
    if abs(amount) >= 1:
        return f"${amount:.2f}"
    whole, _, cents = f"{amount:.6f}".partition(".")
    return f"${whole}.{cents.rstrip('0').ljust(2, '0')}"


def budget_refusal(
    budget: config_pb2.Budget,
    spent: float,
    held: float,
    holders: int,
    wanted: float,
    ends: datetime,
) -> RateLimited:
    """The refusal of a request that may cost ``wanted`` against ``budget``
    of which ``spent`` is spent and ``held`` held by ``holders`` requests."""
    limit = budget.limit_usd
    period = {"daily": "day", "weekly": "week"}.get(budget.period, "month")
    resets = f"it resets {ends:%Y-%m-%d %H:%M} UTC"
    to_reset = int((ends - datetime.now(UTC)).total_seconds()) + 1
    standing = f"{usd(spent)} of {usd(limit)} spent this {period}"
    if spent >= limit:
        message = f"Budget limit exceeded: {standing}; {resets}"
        retry = to_reset
    elif spent + wanted <= limit:
        message = (
            f"Budget limit exceeded for the moment: {standing} and {usd(held)} "
            f"held by {holders} request{'s' if holders != 1 else ''} in flight; "
            f"this request may cost up to {usd(wanted)}; retry when they finish"
        )
        retry = HELD_RETRY_S
    else:
        message = (
            f"Budget limit exceeded: this request may cost up to {usd(wanted)} "
            f"and {usd(limit - spent)} is left ({standing}); lower max_tokens "
            f"or n, or wait: {resets}"
        )
        retry = to_reset
    return RateLimited(message, code="budget_exceeded", retry_after=retry)
