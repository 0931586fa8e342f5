"""``/api/models/availability`` and ``/api/rate-limit``: can a model be served
now, and the rate-limit configuration behind the answer.

A model is available when at least one provider serving it is enabled, its
provider breaker is not open and one of its accounts is usable: enabled, not
refused, not cooling down, its own breaker not open. An open breaker past its
reset time counts as usable (the next call is its probe).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy import select

from omniroute.errors import NotFound
from services.admin import gateway_config as gc
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import ApiKey, Provider
from services.admin.routes.resilience import AccountLimits, account_limits
from services.admin.schemas import CamelModel

router = APIRouter(tags=["models"])


class AccountAvailability(CamelModel):
    account: str
    # "ready", "disabled", "invalid", "cooling_down" or "breaker_open".
    state: str
    retry_in_seconds: float = 0.0


class ProviderAvailability(CamelModel):
    provider: str
    available: bool
    provider_breaker: str
    accounts: list[AccountAvailability]


class ModelAvailability(CamelModel):
    model: str = Field(description="provider/model")
    available: bool
    providers: list[ProviderAvailability]


class AvailabilityList(CamelModel):
    models: list[ModelAvailability]


class AvailabilityQuery(CamelModel):
    model: str = Field(
        min_length=1,
        max_length=512,
        description="A bare model id (every provider serving it) or provider/model",
    )


class RateLimitConfig(CamelModel):
    cooldown_base_seconds: float
    cooldown_max_seconds: float
    quota_cooldown_seconds: float
    keys_with_rpm_limit: int
    keys_with_tpm_limit: int


@router.get("/api/models/availability")
async def availability(ctx: Ctx, _: Admin) -> AvailabilityList:
    """Every chat model of every provider, and whether it can be served now."""
    return AvailabilityList(models=await _evaluate(ctx, None))


@router.post("/api/models/availability")
async def check_availability(
    ctx: Ctx, _: Admin, body: AvailabilityQuery
) -> ModelAvailability:
    """One model: as ``provider/model``, or bare (all providers serving it)."""
    found = await _evaluate(ctx, body.model)
    if not found:
        raise NotFound(
            f"no enabled or disabled provider lists the model '{body.model}'",
            code="model_not_found",
            param="model",
        )
    if len(found) == 1:
        return found[0]
    providers = [p for m in found for p in m.providers]
    return ModelAvailability(
        model=body.model,
        available=any(p.available for p in providers),
        providers=providers,
    )


@router.get("/api/rate-limit")
async def rate_limit_config(ctx: Ctx, _: Admin) -> RateLimitConfig:
    """How rate-limited accounts are cooled down, and how many keys carry
    their own request or token limits (``GET /api/rate-limits`` has the
    live state)."""
    async with ctx.sessions() as session:
        profile = await gc.load(session, gc.ResilienceConfig)
        keys = (await session.scalars(select(ApiKey))).all()
    live = [k for k in keys if k.revoked_at is None]
    return RateLimitConfig(
        cooldown_base_seconds=profile.cooldown_base_seconds,
        cooldown_max_seconds=profile.cooldown_max_seconds,
        quota_cooldown_seconds=profile.quota_cooldown_seconds,
        keys_with_rpm_limit=sum(1 for k in live if k.rpm_limit),
        keys_with_tpm_limit=sum(1 for k in live if k.tpm_limit),
    )


async def _evaluate(ctx: Ctx, wanted: str | None) -> list[ModelAvailability]:
    async with ctx.sessions() as session:
        providers = (
            await session.scalars(select(Provider).order_by(Provider.id))
        ).all()
    serving = [
        (provider, model)
        for provider in providers
        for model in provider.models
        if wanted is None or wanted in (model, f"{provider.id}/{model}")
    ]
    if not serving:
        return []
    by_provider: dict[str, list[AccountLimits]] = defaultdict(list)
    chosen = list({p.id: p for p, _ in serving}.values())
    for state in await account_limits(ctx, chosen):
        by_provider[state.provider].append(state)
    verdicts = {p.id: _provider_verdict(p, by_provider[p.id]) for p in chosen}
    return [
        ModelAvailability(
            model=f"{provider.id}/{model}",
            available=verdicts[provider.id].available,
            providers=[verdicts[provider.id]],
        )
        for provider, model in serving
    ]


def _provider_verdict(
    provider: Provider, accounts: Sequence[AccountLimits]
) -> ProviderAvailability:
    states = [_account_state(a) for a in accounts]
    breaker = accounts[0].provider_breaker if accounts else "closed"
    breaker_resting = bool(
        accounts
        and breaker == "open"
        and accounts[0].provider_breaker_reopens_in_seconds
    )
    return ProviderAvailability(
        provider=provider.id,
        available=provider.enabled
        and not breaker_resting
        and any(s.state == "ready" for s in states),
        provider_breaker=breaker,
        accounts=states,
    )


def _account_state(account: AccountLimits) -> AccountAvailability:
    if not account.enabled:
        return AccountAvailability(account=account.account, state="disabled")
    if account.invalid:
        return AccountAvailability(account=account.account, state="invalid")
    if account.cooldown_seconds > 0:
        return AccountAvailability(
            account=account.account,
            state="cooling_down",
            retry_in_seconds=account.cooldown_seconds,
        )
    if account.breaker == "open" and account.breaker_reopens_in_seconds > 0:
        return AccountAvailability(
            account=account.account,
            state="breaker_open",
            retry_in_seconds=account.breaker_reopens_in_seconds,
        )
    return AccountAvailability(account=account.account, state="ready")
