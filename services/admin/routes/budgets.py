"""``/api/usage/budget``: spending limits of API keys (USD per UTC period).

Admin stores them and publishes them in the snapshot; the edge enforces
them at admission. Spend shown here is the sum of recorded usage cost in
the current period.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import Field, model_validator
from sqlalchemy import select

from omniroute.budgets import period_bounds
from omniroute.errors import BadRequest, NotFound
from services.admin import usage_stats
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import ApiKey, Budget
from services.admin.logins import now
from services.admin.schemas import CamelModel

router = APIRouter(prefix="/api/usage/budget", tags=["usage"])


_PERIODS = ("daily", "weekly", "monthly")


class BudgetIn(CamelModel):
    """``{keyId, limit, period}``, or the original OmniRoute's
    ``{apiKeyId, dailyLimitUsd, weeklyLimitUsd, monthlyLimitUsd,
    resetInterval}``: its active limit is the one of ``resetInterval`` (else
    the shortest period with a limit), and that is the one kept."""

    key_id: str = Field(max_length=64)
    limit: float = Field(ge=0, le=10**9, description="USD per period; 0 removes it")
    period: usage_stats.Period = "monthly"
    warning_threshold: float = Field(
        0.8, ge=0, le=1, description="Fraction of the limit that logs a warning"
    )

    @model_validator(mode="before")
    @classmethod
    def _original_body(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "apiKeyId" not in data:
            return data
        limits = {p: data.get(f"{p}LimitUsd") for p in _PERIODS}
        period = data.get("resetInterval") or next(
            (p for p in _PERIODS if limits.get(p)), "monthly"
        )
        # A period that is not a name is passed on for validation to refuse.
        limit = limits.get(period) if isinstance(period, str) else None
        taken = {"keyId": data["apiKeyId"], "limit": limit or 0, "period": period}
        if "warningThreshold" in data:
            taken["warningThreshold"] = data["warningThreshold"]
        return taken


class BudgetStatus(CamelModel):
    key_id: str
    key_name: str
    limit: float
    period: str
    warning_threshold: float
    spent: float
    remaining: float
    percent: float
    period_start: datetime
    period_end: datetime
    exceeded: bool


class BudgetList(CamelModel):
    budgets: list[BudgetStatus]


def original_view(key_id: str, status: BudgetStatus | None) -> dict[str, Any]:
    """One key's budget as the original OmniRoute answers it: the limit per
    period (one is set here, the active one), the period's spend, and
    whether a request would be allowed."""
    limit = status.limit if status else 0.0
    period = status.period if status else "daily"
    spent = status.spent if status else 0.0
    budget = {f"{p}LimitUsd": limit if p == period else 0 for p in _PERIODS} | {
        "warningThreshold": status.warning_threshold if status else 0.8,
        "resetInterval": period,
    }
    return budget | {
        "apiKeyId": key_id,
        "budget": budget,
        "activeLimitUsd": limit,
        "totalCostPeriod": spent,
        "budgetCheck": {
            "allowed": not (status and status.exceeded),
            "activeLimitUsd": limit,
            "periodUsed": spent,
            "remaining": status.remaining if status else 0.0,
        },
    }


@router.get("")
async def budget_status(
    ctx: Ctx,
    actor: Admin,
    key_id: Annotated[str | None, Query(alias="keyId", max_length=64)] = None,
    api_key_id: Annotated[str | None, Query(alias="apiKeyId", max_length=64)] = None,
) -> dict[str, Any]:
    """Every key's budget with what it spent this period (or one: ``?keyId=``;
    the original's ``?apiKeyId=`` adds its fields for that key)."""
    if api_key_id:
        return await _answer(ctx, api_key_id)
    listed = await _statuses(ctx, key_id)
    return listed.model_dump(mode="json", by_alias=True)


async def _answer(ctx: Ctx, key_id: str) -> dict[str, Any]:
    """One key's budget in our shape and, beside it, the original's."""
    listed = await _statuses(ctx, key_id)
    first = listed.budgets[0] if listed.budgets else None
    return listed.model_dump(mode="json", by_alias=True) | original_view(key_id, first)


async def _statuses(ctx: Ctx, key_id: str | None) -> BudgetList:
    moment = now()
    async with ctx.sessions() as session:
        query = select(Budget, ApiKey.name).join(ApiKey, ApiKey.id == Budget.key_id)
        if key_id:
            query = query.where(Budget.key_id == key_id)
        rows = (await session.execute(query.order_by(Budget.key_id))).all()
        statuses = []
        for budget, name in rows:
            start, end = period_bounds(budget.period, moment)
            spent = (await usage_stats.spent(session, [budget.key_id], start)).get(
                budget.key_id, 0.0
            )
            statuses.append(
                BudgetStatus(
                    key_id=budget.key_id,
                    key_name=name,
                    limit=budget.limit_usd,
                    period=budget.period,
                    warning_threshold=budget.warning_threshold,
                    spent=round(spent, 6),
                    remaining=round(max(0.0, budget.limit_usd - spent), 6),
                    percent=round(100 * spent / budget.limit_usd, 2)
                    if budget.limit_usd
                    else 0.0,
                    period_start=start,
                    period_end=end,
                    exceeded=spent >= budget.limit_usd,
                )
            )
    return BudgetList(budgets=statuses)


@router.post("")
async def set_budget(ctx: Ctx, body: BudgetIn, actor: Admin) -> dict[str, Any]:
    """Sets or changes one key's budget (``limit: 0`` removes it)."""
    async with change(
        ctx, actor, "budget.set", body.key_id, body.model_dump(mode="json")
    ) as c:
        if await c.session.get(ApiKey, body.key_id) is None:
            raise BadRequest(f"keyId: no API key '{body.key_id}'", param="keyId")
        budget = await c.session.get(Budget, body.key_id)
        if body.limit == 0:
            if budget is not None:
                await c.session.delete(budget)
        else:
            if budget is None:
                budget = Budget(key_id=body.key_id)
                c.session.add(budget)
            budget.limit_usd = body.limit
            budget.period = body.period
            budget.warning_threshold = body.warning_threshold
    return {"success": True} | await _answer(ctx, body.key_id)


@router.delete("", status_code=204)
async def delete_budget(
    ctx: Ctx, actor: Admin, key_id: Annotated[str, Query(alias="keyId", max_length=64)]
) -> Response:
    """Removes one key's budget (``?keyId=``)."""
    async with change(ctx, actor, "budget.delete", key_id) as c:
        budget = await c.session.get(Budget, key_id)
        if budget is None:
            raise NotFound(f"API key '{key_id}' has no budget", code="not_found")
        await c.session.delete(budget)
    return Response(status_code=204)
