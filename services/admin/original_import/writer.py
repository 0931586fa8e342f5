"""The plan into the admin database, row by row, comparing first.

A row equal to what the plan wants is left alone and counted unchanged, so
a second run writes nothing. A row this gateway already has from another
source (the environment, the API) is never taken over: a provider whose
kind or URL differs is reported and kept as it is; a key already here under
another id is reported; a key revoked here stays revoked.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidTag
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniroute.runtime.crypto import hash_api_key, mask_secret, seal, unseal
from services.admin import gateway_config as gc
from services.admin.db.models import (
    Account,
    ApiKey,
    Budget,
    Combo,
    CustomModel,
    ModelAlias,
    ModelPrice,
    Provider,
)
from services.admin.logins import now
from services.admin.original_import.plan import (
    AccountPlan,
    KeyPlan,
    Plan,
    ProviderPlan,
)
from services.admin.original_import.report import Outcome, Report
from services.admin.original_import.settings_map import PROXY

KEY_PREFIX_CHARS = 12
# Sources whose providers a migration may change (its own rows).
_OURS = frozenset({"original", "node"})
_GROUPS: dict[str, type[gc.Group]] = {
    g.KEY: g
    for g in (
        gc.AuthConfig,
        gc.IpFilterConfig,
        gc.SystemPromptConfig,
        gc.ThinkingBudgetConfig,
        gc.CacheConfig,
        gc.RoutingConfig,
    )
}


def _converge(
    session: AsyncSession,
    row: Any,
    new: tuple[type[Any], dict[str, Any]],
    fields: dict[str, Any],
    kind: str,
    report: Report,
) -> None:
    """Makes ``row`` hold ``fields`` (when there is none, a new row of the
    model in ``new`` with its identity columns), and counts what that took:
    created, updated or unchanged."""
    if row is None:
        model, identity = new
        session.add(model(**identity, **fields))
        report.count(kind, "created")
    elif _differs(row, fields):
        for name, value in fields.items():
            setattr(row, name, value)
        report.count(kind, "updated")
    else:
        report.count(kind, "unchanged")


def _provider_fields(plan: ProviderPlan) -> dict[str, Any]:
    return {
        "kind": plan.kind,
        "format": plan.format,
        "base_url": plan.base_url,
        "display_name": plan.display_name,
        "models": plan.models,
        "embedding_models": plan.embedding_models,
        "image_models": plan.image_models,
        "transcription_models": plan.transcription_models,
        "aliases": plan.aliases,
    }


def _differs(row: object, fields: dict[str, Any]) -> bool:
    return any(getattr(row, name) != value for name, value in fields.items())


def _credential(secret: bytes, sealed: bytes) -> str | None:
    try:
        return unseal(secret, sealed)
    except (InvalidTag, ValueError):
        return None  # sealed under another secret: rewrite it


async def _account(
    session: AsyncSession,
    provider: Provider,
    plan: AccountPlan,
    secret: bytes,
    report: Report,
) -> None:
    account = await session.get(Account, plan.id)
    fields = {"name": plan.name, "priority": plan.priority, "enabled": plan.enabled}
    if account is None:
        account = Account(id=plan.id, **fields)
        provider.accounts.append(account)
        outcome: Outcome = "created"
    elif (
        account.provider_id != provider.id
        or _differs(account, fields)
        or _credential(secret, account.sealed_credential) != plan.credential
    ):
        if account.provider_id != provider.id:
            account.provider_id = provider.id
        for name, value in fields.items():
            setattr(account, name, value)
        outcome = "updated"
    else:
        report.count("accounts", "unchanged")
        return
    account.sealed_credential = seal(secret, plan.credential)
    account.credential_hint = mask_secret(plan.credential) if plan.credential else ""
    report.count("accounts", outcome)


async def write_providers(
    session: AsyncSession, plans: list[ProviderPlan], secret: bytes, report: Report
) -> set[str]:
    """The providers and their accounts; returns the ids written or kept."""
    usable: set[str] = set()
    for plan in plans:
        provider = await session.get(Provider, plan.id)
        fields = _provider_fields(plan)
        if provider is None:
            provider = Provider(
                id=plan.id, source=plan.source, headers={}, enabled=True, **fields
            )
            provider.accounts = []
            session.add(provider)
            report.count("providers", "created")
        elif provider.source not in _OURS:
            if (provider.kind, provider.base_url) != (plan.kind, plan.base_url):
                report.skip(
                    "providers",
                    plan.id,
                    f"this gateway already has a provider '{plan.id}' (registered "
                    f"by {provider.source}: {provider.kind} at {provider.base_url}); "
                    "it is kept as it is and the original's accounts are not added",
                )
                for account in plan.accounts:
                    report.skip("accounts", account.id, f"provider '{plan.id}' kept")
                continue
            # The same service registered another way: its accounts join it.
            report.count("providers", "unchanged")
        elif _differs(provider, fields):
            for name, value in fields.items():
                setattr(provider, name, value)
            report.count("providers", "updated")
        else:
            report.count("providers", "unchanged")
        usable.add(plan.id)
        for account in plan.accounts:
            await _account(session, provider, account, secret, report)
    await session.flush()
    return usable


async def write_custom_models(
    session: AsyncSession, plan: Plan, providers: set[str], report: Report
) -> None:
    for model in plan.custom_models:
        row_name = f"{model.provider_id}/{model.model_id}"
        if model.provider_id not in providers:
            report.skip("custom_models", row_name, "its provider was not imported")
            continue
        row = await session.scalar(
            select(CustomModel).where(
                CustomModel.provider_id == model.provider_id,
                CustomModel.model_id == model.model_id,
            )
        )
        fields = {"name": model.name, "api_format": model.api_format}
        _converge(
            session,
            row,
            (
                CustomModel,
                {"provider_id": model.provider_id, "model_id": model.model_id},
            ),
            fields,
            "custom_models",
            report,
        )


def _key_fields(plan: KeyPlan, secret: bytes) -> dict[str, Any]:
    return {
        "name": plan.name,
        "key_hmac": hash_api_key(secret, plan.key),
        "prefix": plan.key[:KEY_PREFIX_CHARS],
        "scopes": plan.scopes,
        "allowed_models": plan.allowed_models,
        "rpm_limit": plan.rpm_limit,
        "no_log": plan.no_log,
    }


async def write_keys(
    session: AsyncSession, plans: list[KeyPlan], secret: bytes, report: Report
) -> set[str]:
    """The keys; returns the ids present afterwards (for budgets)."""
    present: set[str] = set()
    for plan in plans:
        fields = _key_fields(plan, secret)
        same = await session.scalar(
            select(ApiKey).where(ApiKey.key_hmac == fields["key_hmac"])
        )
        row = f"{plan.name} ({plan.id})"
        if same is not None and same.id != plan.id:
            report.skip(
                "api_keys",
                row,
                f"the same key is already registered here as '{same.id}' "
                f"({same.name or same.source})",
            )
            continue
        key = await session.get(ApiKey, plan.id)
        outcome: Outcome = "unchanged"
        if key is None:
            key = ApiKey(id=plan.id, source="original", **fields)
            if plan.created_at is not None:
                key.created_at = plan.created_at
            session.add(key)
            outcome = "created"
        elif _differs(key, fields):
            for name, value in fields.items():
                setattr(key, name, value)
            outcome = "updated"
        if plan.revoked and key.revoked_at is None:
            key.revoked_at = plan.revoked_at or now()
            outcome = "created" if outcome == "created" else "updated"
        elif not plan.revoked and key.revoked_at is not None and outcome != "created":
            report.note(
                "api_keys",
                row,
                "revoked here: it stays revoked (active in the original)",
            )
        report.count("api_keys", outcome)
        present.add(plan.id)
    await session.flush()
    return present


async def write_combos(session: AsyncSession, plan: Plan, report: Report) -> None:
    for combo in plan.combos:
        row = await session.get(Combo, combo.name)
        fields = {
            "strategy": combo.strategy,
            "members": combo.members,
            "description": combo.description,
        }
        _converge(
            session,
            row,
            (Combo, {"name": combo.name, "enabled": True}),
            fields,
            "combos",
            report,
        )
    await session.flush()


async def write_aliases(session: AsyncSession, plan: Plan, report: Report) -> None:
    for alias in plan.aliases:
        row = await session.get(ModelAlias, alias.alias)
        fields = {"target": alias.target}
        _converge(
            session,
            row,
            (ModelAlias, {"alias": alias.alias}),
            fields,
            "aliases",
            report,
        )


async def write_prices(session: AsyncSession, plan: Plan, report: Report) -> None:
    for price in plan.prices:
        row = await session.scalar(
            select(ModelPrice).where(
                ModelPrice.provider == price.provider, ModelPrice.model == price.model
            )
        )
        fields = {
            "input": price.input,
            "output": price.output,
            "cached_input": price.cached_input,
        }
        _converge(
            session,
            row,
            (ModelPrice, {"provider": price.provider, "model": price.model}),
            fields,
            "prices",
            report,
        )
        await session.flush()


async def write_budgets(
    session: AsyncSession, plan: Plan, keys: set[str], report: Report
) -> None:
    for budget in plan.budgets:
        if budget.key_id not in keys:
            report.skip("budgets", budget.key_id, "its API key was not imported")
            continue
        row = await session.get(Budget, budget.key_id)
        fields = {
            "limit_usd": budget.limit_usd,
            "period": budget.period,
            "warning_threshold": budget.warning_threshold,
        }
        _converge(
            session,
            row,
            (Budget, {"key_id": budget.key_id}),
            fields,
            "budgets",
            report,
        )


async def _write_proxy(
    session: AsyncSession, values: dict[str, Any], secret: bytes, report: Report
) -> None:
    current = await gc.load(session, gc.ProxyConfig)
    url, enabled = str(values["url"]), bool(values["enabled"])
    if current.url(secret) == url and current.enabled == enabled:
        report.count("settings", "unchanged")
        return
    await gc.save(session, gc.ProxyConfig.sealed(secret, url, enabled))
    report.count("settings", "updated")


async def write_settings(
    session: AsyncSession, plan: Plan, secret: bytes, report: Report
) -> None:
    for key, values in plan.settings.items():
        if key == PROXY:
            await _write_proxy(session, values, secret, report)
            continue
        schema = _GROUPS[key]
        current = await gc.load(session, schema)
        try:
            wanted = schema.model_validate(current.model_dump() | values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                for e in exc.errors()
            )
            report.skip("settings", key, f"not valid here ({problems})")
            continue
        if wanted.model_dump() == current.model_dump():
            report.count("settings", "unchanged")
            continue
        await gc.save(session, wanted)
        report.count("settings", "updated")


async def write_plan(
    session: AsyncSession, plan: Plan, secret: bytes, report: Report
) -> set[str]:
    """Everything but usage, in the caller's transaction; returns the key ids
    present afterwards."""
    providers = await write_providers(session, plan.providers, secret, report)
    await write_custom_models(session, plan, providers, report)
    keys = await write_keys(session, plan.keys, secret, report)
    await write_combos(session, plan, report)
    await write_aliases(session, plan, report)
    await write_prices(session, plan, report)
    await write_settings(session, plan, secret, report)
    await write_budgets(session, plan, keys, report)
    await session.flush()
    return keys
