"""``/api/resilience``, ``/api/rate-limits``, ``/api/sessions``: the breaker
and cooldown profile, and the live state every executor shares in Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from omniroute.errors import BadRequest
from omniroute.resilience.cooldown import fingerprint
from omniroute.runtime.crypto import unseal
from services.admin import gateway_config as gc
from services.admin import resilience_state as live
from services.admin.audit import change, record
from services.admin.auth import Admin
from services.admin.context import AdminContext, Ctx
from services.admin.db.models import ApiKey, Provider
from services.admin.schemas import CamelModel, SnakeModel

router = APIRouter(tags=["resilience"])


class BreakerOut(CamelModel):
    provider: str
    account: str = Field(description="Empty for the provider's own breaker")
    state: str = Field(description="closed, open or half_open")
    failures: int
    reopens_at: float | None = Field(description="Unix seconds, when open")
    reopens_in_seconds: float | None


class CooldownOut(CamelModel):
    provider: str
    account: str
    remaining_seconds: float
    reason: str
    level: int = Field(description="Rate limits in a row (exponential backoff)")


class InvalidOut(CamelModel):
    provider: str
    account: str
    credential_fingerprint: str
    since: int = Field(description="Unix seconds")


class ResilienceView(BaseModel):
    profile: gc.ResilienceConfig
    breakers: list[BreakerOut] = Field(
        description="Every breaker with state: provider (account empty) or account"
    )
    cooldowns: list[CooldownOut] = Field(description="Accounts cooling down")
    invalid: list[InvalidOut] = Field(
        description="Accounts whose credential the provider refused"
    )


class AccountLimits(CamelModel):
    provider: str
    account: str
    name: str
    enabled: bool
    cooldown_seconds: float
    cooldown_reason: str
    level: int
    invalid: bool
    breaker: str
    breaker_reopens_in_seconds: float = 0.0
    provider_breaker: str
    provider_breaker_reopens_in_seconds: float = 0.0


class KeyLimits(CamelModel):
    id: str
    name: str
    rpm_limit: int
    tpm_limit: int
    revoked: bool


class RateLimits(CamelModel):
    accounts: list[AccountLimits]
    keys: list[KeyLimits]


class SessionOut(CamelModel):
    id: str
    provider: str
    account: str
    ttl_seconds: int | None


class Sessions(CamelModel):
    count: int
    sessions: list[SessionOut]


class ResetIn(SnakeModel):
    provider: str | None = Field(None, max_length=64)
    account: str | None = Field(None, max_length=64)


class ResetOut(BaseModel):
    reset: dict[str, int] = Field(description="How many keys of each kind were cleared")
    scope: ResetIn


@router.get("/api/resilience")
async def get_resilience(ctx: Ctx, _: Admin) -> ResilienceView:
    """The profile (defaults until changed) and the live state from Redis."""
    async with ctx.sessions() as session:
        profile = await gc.load(session, gc.ResilienceConfig)
    return ResilienceView(
        profile=profile,
        breakers=[
            BreakerOut.model_validate(b)
            for b in await live.breakers(ctx.redis, ctx.keys)
        ],
        cooldowns=[
            CooldownOut.model_validate(c)
            for c in await live.cooldowns(ctx.redis, ctx.keys)
        ],
        invalid=[
            InvalidOut.model_validate(i)
            for i in await live.invalid(ctx.redis, ctx.keys)
        ],
    )


@router.put("/api/resilience")
async def put_resilience(
    ctx: Ctx, body: gc.ResilienceConfig, actor: Admin
) -> gc.ResilienceConfig:
    """Replaces the profile; executors pick it up with the next snapshot."""
    async with change(
        ctx, actor, "resilience.update", "resilience", body.model_dump(mode="json")
    ) as c:
        await gc.save(c.session, body)
    return body


@router.post("/api/resilience/reset")
async def reset_resilience(
    ctx: Ctx, actor: Admin, body: ResetIn | None = None
) -> ResetOut:
    """Closes breakers and ends cooldowns and invalid marks: all of them, one
    provider's (``{provider}``) or one account's (``{provider, account}``)."""
    body = body or ResetIn()
    if body.account and not body.provider:
        raise BadRequest("provider: required with account", param="provider")
    scope = live.Scope(body.provider or None, body.account or None)
    counts = await live.reset(ctx.redis, ctx.keys, scope)
    target = "/".join(p for p in (body.provider, body.account) if p) or "all"
    # Breaker state lives in Redis, not in the snapshot: nothing to publish.
    await record(ctx, actor, "resilience.reset", target, dict(counts))
    return ResetOut(reset=counts, scope=body)


@router.get("/api/rate-limits")
async def rate_limits(ctx: Ctx, _: Admin) -> RateLimits:
    """Per account: cooldown left, backoff level, invalid mark, breaker state;
    and every key's rpm/tpm limits."""
    async with ctx.sessions() as session:
        providers = (
            await session.scalars(select(Provider).order_by(Provider.id))
        ).all()
        keys = (await session.scalars(select(ApiKey).order_by(ApiKey.id))).all()
    return RateLimits(
        accounts=await account_limits(ctx, providers),
        keys=[
            KeyLimits(
                id=k.id,
                name=k.name,
                rpm_limit=k.rpm_limit,
                tpm_limit=k.tpm_limit,
                revoked=k.revoked_at is not None,
            )
            for k in keys
        ],
    )


async def account_limits(
    ctx: AdminContext, providers: Sequence[Provider]
) -> list[AccountLimits]:
    """The live state of every account of ``providers``, from Redis."""
    breakers = {
        (b["provider"], b["account"]): b
        for b in await live.breakers(ctx.redis, ctx.keys)
    }
    cooling = {
        (c["provider"], c["account"]): c
        for c in await live.cooldowns(ctx.redis, ctx.keys)
    }
    invalid = {i_key async for i_key in _invalid_keys(ctx)}
    accounts = []
    for provider in providers:
        provider_breaker = breakers.get((provider.id, ""), {})
        for account in provider.accounts:
            credential = unseal(ctx.settings.secret, account.sealed_credential)
            cool = cooling.get((provider.id, account.id), {})
            marked = ctx.keys.invalid_account(
                provider.id, account.id, fingerprint(credential)
            )
            breaker = breakers.get((provider.id, account.id), {})
            accounts.append(
                AccountLimits(
                    provider=provider.id,
                    account=account.id,
                    name=account.name,
                    enabled=account.enabled,
                    cooldown_seconds=cool.get("remainingSeconds", 0.0),
                    cooldown_reason=cool.get("reason", ""),
                    level=cool.get("level", 0),
                    invalid=marked in invalid,
                    breaker=breaker.get("state", "closed"),
                    breaker_reopens_in_seconds=breaker.get("reopensInSeconds") or 0.0,
                    provider_breaker=provider_breaker.get("state", "closed"),
                    provider_breaker_reopens_in_seconds=provider_breaker.get(
                        "reopensInSeconds"
                    )
                    or 0.0,
                )
            )
    return accounts


async def _invalid_keys(ctx: AdminContext) -> AsyncIterator[str]:
    async for raw in ctx.redis.scan_iter(match=ctx.keys.invalid_pattern, count=500):
        yield raw.decode() if isinstance(raw, bytes) else raw


@router.get("/api/sessions")
async def sessions(ctx: Ctx, _: Admin) -> Sessions:
    """Active ``X-Session-Id`` pins: which account each session sticks to."""
    found = [
        SessionOut.model_validate(s) for s in await live.sessions(ctx.redis, ctx.keys)
    ]
    return Sessions(count=len(found), sessions=found)
