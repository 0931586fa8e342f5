"""One migration: read, map, write, report.

The configuration (providers, keys, combos, aliases, prices, settings,
budgets) is written in one transaction, rolled back for a dry run; usage
history follows in committed batches. The caller publishes the new
configuration: the import route through admin's publisher, the command by
bumping the version admin's publisher watches (``bump_version``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omniroute.common.v1 import config_pb2
from omniroute.presets import PRESETS
from omniroute.pricing import PriceBook
from omniroute.runtime.crypto import unseal
from services.admin import gateway_config as gc
from services.admin.audit import entry
from services.admin.auth import Actor
from services.admin.db.models import (
    Account,
    Combo,
    ConfigState,
    ModelAlias,
    ModelPrice,
    Provider,
)
from services.admin.logins import now
from services.admin.original_import import access, providers, routing, settings_map
from services.admin.original_import.decryption import FieldDecryptor
from services.admin.original_import.plan import Plan, PricePlan
from services.admin.original_import.reading import read_original
from services.admin.original_import.records import Leftover, OriginalData
from services.admin.original_import.report import Report
from services.admin.original_import.usage import import_usage
from services.admin.original_import.writer import write_plan

Progress = Callable[[str], None]
CLI = Actor("cli")


class MigrationError(Exception):
    """The migration cannot run (nothing was written)."""


@dataclass(frozen=True, slots=True)
class Options:
    dry_run: bool = False
    usage: bool = False
    # The original's STORAGE_ENCRYPTION_KEY; empty: the one in its data dir.
    storage_key: str = ""
    bump_version: bool = False
    actor: Actor = CLI


@dataclass
class Existing:
    """What the database holds before the migration, as the mappings need it."""

    prefixes: set[str]
    provider_ids: set[str]
    names: routing.RoutingNames


async def existing(session: AsyncSession) -> Existing:
    prefixes: set[str] = set()
    ids: set[str] = set()
    for provider in await session.scalars(select(Provider)):
        ids.add(provider.id)
        prefixes.add(provider.id)
        prefixes.update(provider.aliases or ())
    combos = {c.name: list(c.members) for c in await session.scalars(select(Combo))}
    aliases = set(await session.scalars(select(ModelAlias.alias)))
    depth = (await gc.load(session, gc.RoutingConfig)).max_combo_depth
    return Existing(prefixes, ids, routing.RoutingNames(combos, aliases, depth))


async def check_secret(session: AsyncSession, secret: bytes) -> None:
    """Refuses a secret other than the one this database was written with:
    keys hashed and credentials sealed under it would never work."""
    sealed = await session.scalar(
        select(Account.sealed_credential)
        .where(Account.sealed_credential != b"")
        .limit(1)
    )
    if not sealed:
        return
    try:
        unseal(secret, sealed)
    except (InvalidTag, ValueError):
        raise MigrationError(
            "OMNIROUTE_SECRET_KEY is not the secret this database was written "
            "with (its credentials do not open): run with the admin's own "
            "OMNIROUTE_SECRET_KEY, or migrated keys would never authenticate"
        ) from None


def build_plan(
    data: OriginalData,
    decryptor: FieldDecryptor,
    before: Existing,
    moment: datetime,
    report: Report,
) -> tuple[Plan, providers.ProviderMap]:
    """Every mapping, in dependency order; pure."""
    plan = Plan()
    plan.providers, plan.custom_models, ids = providers.map_providers(
        data, decryptor, before.prefixes, report
    )
    plan.settings = settings_map.map_settings(data, ids, report)
    names = before.names
    depth = plan.settings.get(gc.RoutingConfig.KEY, {}).get("max_combo_depth")
    if isinstance(depth, int):
        names = routing.RoutingNames(names.combos, names.aliases, depth)
    plan.keys = access.map_keys(data, ids, moment, report)
    plan.combos = routing.map_combos(data, ids, names, report)
    combo_names = set(names.combos) | {c.name for c in plan.combos}
    plan.aliases = routing.map_aliases(data.aliases, ids, combo_names, report)
    known = before.provider_ids | set(PRESETS)
    plan.prices = routing.map_prices(data, ids, known, report)
    key_ids = {k.id for k in plan.keys}
    plan.budgets = access.map_budgets(data, key_ids, report)
    return plan, ids


def _summary(data: OriginalData) -> str:
    return (
        f"read {data.origin}: {len(data.connections)} connections, "
        f"{len(data.nodes)} nodes, {len(data.keys)} API keys, {len(data.combos)} "
        f"combos, {len(data.aliases)} aliases, {len(data.budgets)} budgets, "
        f"{data.usage_count} usage rows"
    )


async def _price_book(session: AsyncSession, plan: Plan) -> PriceBook:
    # A dry run has not stored the imported prices: they count as well.
    prices: list[ModelPrice | PricePlan] = [
        *await session.scalars(select(ModelPrice)),
        *plan.prices,
    ]
    return PriceBook(
        [
            config_pb2.ModelPrice(
                provider=p.provider,
                model=p.model,
                input=p.input,
                output=p.output,
                cached_input=p.cached_input,
            )
            for p in prices
        ]
    )


async def _write_config(
    sessions: async_sessionmaker[AsyncSession],
    plan: Plan,
    secret: bytes,
    options: Options,
    report: Report,
) -> None:
    async with sessions() as session:
        try:
            await write_plan(session, plan, secret, report)
            if options.dry_run:
                await session.rollback()
                return
            if report.changed:
                details = {
                    kind: {"created": t.created, "updated": t.updated}
                    for kind, t in report.counts.items()
                    if t.written
                }
                session.add(
                    entry(options.actor, "original.import", report.source, details)
                )
                if options.bump_version:
                    report.config_version = await _bump(session)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def _bump(session: AsyncSession) -> int:
    # Admin's publisher republishes when Redis holds an older version than
    # the database (SnapshotPublisher.ensure_published, every 2 s), and
    # publishes at every start anyway.
    state = await session.get(ConfigState, 1, with_for_update=True)
    if state is None:
        state = ConfigState(id=1, version=0)
        session.add(state)
    state.version += 1
    await session.flush()
    return state.version


async def migrate_original(
    source: Path,
    sessions: async_sessionmaker[AsyncSession],
    secret: bytes,
    options: Options,
    progress: Progress,
) -> Report:
    """Migrates what the original left at ``source`` into this database."""
    with read_original(source) as (data, env_key):
        progress(_summary(data))
        report = Report(source=data.origin, dry_run=options.dry_run)
        async with sessions() as session:
            await check_secret(session, secret)
            before = await existing(session)
        decryptor = FieldDecryptor(options.storage_key or env_key)
        plan, ids = build_plan(data, decryptor, before, now(), report)
        progress("writing" + (" nothing (dry run)" if options.dry_run else ""))
        await _write_config(sessions, plan, secret, options, report)
        if options.usage and data.usage_count:
            async with sessions() as session:
                book = await _price_book(session, plan)
            await import_usage(sessions, data, ids, book, report, progress)
        elif data.usage_count:
            data.leftovers.append(
                Leftover(
                    "table usage_history",
                    data.usage_count,
                    "usage history is imported only when asked (--usage)",
                )
            )
        report.leftovers = list(data.leftovers)
    return report
