"""``GET /v1/quotas/check``: may this key make a request now?

The original OmniRoute answers ``{allowed, errorCode?, reason?, provider,
accountId, checkedAt}`` there, about its "registered keys" feature (how many
provider keys may still be issued per provider and account), which this
gateway does not have. The same fields here answer what this gateway limits:
the calling key's requests and tokens per minute and its budget, judged as
admission judges them (a request is refused once a count reaches its limit).
``provider`` and ``accountId`` are echoed as the original does; they do not
change the verdict. ``limits`` says where each limit stands, so a client can
pace itself instead of learning from a 429.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.edge.admission import Standing

Json = dict[str, Any]


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _window(limit: int, used: int, ends: datetime) -> Json | None:
    if not limit:
        return None
    return {
        "limit": limit,
        "used": used,
        "remaining": max(0, limit - used),
        "resetsAt": _iso(ends),
    }


def _refusal(standing: Standing) -> tuple[str, str] | None:
    """(errorCode, reason) of the limit that would refuse a request now."""
    if standing.rpm_limit and standing.rpm_used >= standing.rpm_limit:
        return (
            "RATE_LIMIT_EXCEEDED",
            f"rate limit: {standing.rpm_limit} requests per minute for this key",
        )
    if standing.tpm_limit and standing.tpm_used >= standing.tpm_limit:
        return (
            "TOKEN_LIMIT_EXCEEDED",
            f"rate limit: {standing.tpm_limit} tokens per minute for this key",
        )
    budget = standing.budget
    if budget is not None and standing.spent_usd >= budget.limit_usd:
        return (
            "BUDGET_EXCEEDED",
            f"Budget limit exceeded: ${standing.spent_usd:.4f} of "
            f"${budget.limit_usd:.2f} spent; it resets {_iso(standing.budget_ends)}",
        )
    return None


def quota_check(
    standing: Standing, provider: str, account_id: str, now: datetime
) -> Json:
    """The ``/v1/quotas/check`` answer for a key standing at ``standing``."""
    refusal = _refusal(standing)
    body: Json = {"allowed": refusal is None}
    if refusal is not None:
        body["errorCode"], body["reason"] = refusal
    window_ends = datetime.fromtimestamp(standing.window_ends, UTC)
    budget = standing.budget
    body.update(
        {
            "provider": provider or None,
            "accountId": account_id or None,
            "checkedAt": _iso(now),
            "limits": {
                "requestsPerMinute": _window(
                    standing.rpm_limit, standing.rpm_used, window_ends
                ),
                "tokensPerMinute": _window(
                    standing.tpm_limit, standing.tpm_used, window_ends
                ),
                "budget": None
                if budget is None
                else {
                    "limitUsd": budget.limit_usd,
                    "spentUsd": round(standing.spent_usd, 6),
                    "remainingUsd": round(
                        max(0.0, budget.limit_usd - standing.spent_usd), 6
                    ),
                    "period": budget.period or "monthly",
                    "resetsAt": _iso(standing.budget_ends),
                },
            },
        }
    )
    return body
