"""``/api/db-backups``: list, create, restore, export, import, export-all.

Backups are SQLite files in ``DATA_DIR/backups`` whatever the live database
(see ``services.admin.backups``). A restore or import first takes a safety
backup, refuses a file that is not an OmniRoute database (400), and
republishes the snapshot so every service follows the restored state.

The import also takes what the original OmniRoute exports (its
``storage.sqlite``, its exportAll ``.tar.gz``, its export-json document):
that is migrated into the live data (``services.admin.original_import``)
rather than restored over it.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse
from pydantic import Field
from sqlalchemy import select
from starlette.background import BackgroundTask

from omniroute.errors import BadRequest, NotFound, PayloadTooLarge
from services.admin import backups
from services.admin import gateway_config as gc
from services.admin.audit import record
from services.admin.auth import Actor, Admin
from services.admin.context import AdminContext, Ctx
from services.admin.db.models import (
    ApiKey,
    Budget,
    Combo,
    ModelAlias,
    ModelPrice,
    Provider,
)
from services.admin.original_import.reading import SourceError, looks_original
from services.admin.original_import.runner import (
    MigrationError,
    Options,
    migrate_original,
)
from services.admin.routes.keys import KeyOut
from services.admin.routes.providers import ProviderOut
from services.admin.schemas import CamelModel
from services.admin.settings_groups import GROUPS

router = APIRouter(prefix="/api/db-backups", tags=["backups"])
_BACKUP_ID = re.compile(r"^[0-9]{8}T[0-9]{6}Z(-[a-z0-9-]{1,32})?$")
# An upload larger than this is refused before it fills the disk.
MAX_IMPORT_BYTES = 2 * 1024**3
_READ_CHUNK = 1024 * 1024


class BackupOut(CamelModel):
    id: str
    file: str
    size_bytes: int
    created_at: datetime


class BackupList(CamelModel):
    backups: list[BackupOut]
    directory: str


class RestoreIn(CamelModel):
    backup_id: str = Field(max_length=64)


class RestoreOut(CamelModel):
    restored: str
    safety_backup: str = Field(description="Taken just before, to undo the restore")
    tables: dict[str, int]
    config_version: int


class ImportCounts(CamelModel):
    created: int
    updated: int
    unchanged: int
    skipped: int


class ImportItem(CamelModel):
    kind: str
    row: str = Field(description="The original's row")
    reason: str


class NotMigrated(CamelModel):
    what: str
    rows: int
    reason: str


class OriginalImportOut(CamelModel):
    """The migration report of an upload from the original OmniRoute."""

    source: str
    dry_run: bool
    changed: bool
    counts: dict[str, ImportCounts]
    skipped: list[ImportItem] = Field(description="Rows not imported, and why")
    notes: list[ImportItem] = Field(
        description="Rows imported with something left out or approximated"
    )
    not_migrated: list[NotMigrated]
    config_version: int | None
    safety_backup: str = Field(description="Taken just before, to undo the import")


def _describe(path: Path) -> BackupOut:
    stat = path.stat()
    return BackupOut(
        id=path.stem,
        file=path.name,
        size_bytes=stat.st_size,
        created_at=datetime.fromtimestamp(stat.st_mtime, UTC),
    )


def _new_id(label: str) -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{label}"


async def _create(ctx: AdminContext, label: str) -> BackupOut:
    directory = ctx.settings.backups_dir()
    backup_id = _new_id(label)
    path = directory / f"{backup_id}.sqlite"
    suffix = 1
    while path.exists():  # two in the same second
        suffix += 1
        path = directory / f"{backup_id}-{suffix}.sqlite"
    await backups.write_backup(ctx.engine, path)
    return _describe(path)


async def _restore(
    ctx: AdminContext, actor: Actor, file: Path, name: str
) -> RestoreOut:
    await _validate_async(file)
    safety = await _create(ctx, "pre-restore")
    tables = await backups.restore(ctx.engine, file)
    version = await ctx.publisher.publish()
    await record(ctx, actor, "backup.restore", name, {"safety_backup": safety.id})
    return RestoreOut(
        restored=name, safety_backup=safety.id, tables=tables, config_version=version
    )


async def _validate_async(file: Path) -> None:
    await asyncio.to_thread(backups.validate, file)


@router.get("")
async def list_backups(ctx: Ctx, _: Admin) -> BackupList:
    """Backups in DATA_DIR/backups, newest first."""
    directory = ctx.settings.backups_dir()
    files = (
        sorted(directory.glob("*.sqlite"), reverse=True) if directory.is_dir() else []
    )
    return BackupList(
        backups=[_describe(f) for f in files if _BACKUP_ID.match(f.stem)],
        directory=str(directory),
    )


@router.put("")
async def create_backup(ctx: Ctx, actor: Admin) -> BackupOut:
    """Takes a backup now."""
    backup = await _create(ctx, "manual")
    await record(ctx, actor, "backup.create", backup.id)
    return backup


@router.post("")
async def restore_backup(ctx: Ctx, body: RestoreIn, actor: Admin) -> RestoreOut:
    """Restores a backup (``{backupId}``); a safety backup is taken first."""
    if not _BACKUP_ID.match(body.backup_id):
        raise BadRequest("backupId: not a backup id", param="backupId")
    path = ctx.settings.backups_dir() / f"{body.backup_id}.sqlite"
    if not path.is_file():
        raise NotFound(f"no backup '{body.backup_id}'", code="not_found")
    return await _restore(ctx, actor, path, body.backup_id)


def _scratch() -> Path:
    """A private directory, removed whole afterwards (SQLite may leave -wal
    and -shm files next to a database it opened)."""
    return Path(tempfile.mkdtemp(prefix="omniroute-"))


def _remove(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)


@router.get(
    "/export",
    response_class=FileResponse,
    responses={200: {"content": {"application/vnd.sqlite3": {}}}},
)
async def export_database(ctx: Ctx, actor: Admin) -> FileResponse:
    """The whole database as a ``.sqlite`` file (also from PostgreSQL)."""
    scratch = _scratch()
    path = scratch / "omniroute.sqlite"
    try:
        await backups.write_backup(ctx.engine, path)
    except BaseException:
        _remove(scratch)
        raise
    await record(ctx, actor, "backup.export", "database")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return FileResponse(
        path,
        media_type="application/vnd.sqlite3",
        filename=f"omniroute-backup-{stamp}.sqlite",
        background=BackgroundTask(_remove, scratch),
    )


async def _import_original(
    ctx: AdminContext, actor: Actor, path: Path, name: str, options: Options
) -> OriginalImportOut:
    safety = "" if options.dry_run else (await _create(ctx, "pre-import")).id
    try:
        report = await migrate_original(
            path, ctx.sessions, ctx.settings.secret, options, lambda _: None
        )
    except (SourceError, MigrationError) as exc:
        raise BadRequest(f"file: {exc}", param="file") from None
    report.safety_backup = safety
    if report.changed and not options.dry_run:
        report.config_version = await ctx.publisher.publish()
    await record(
        ctx,
        actor,
        "backup.import_original",
        name,
        {"dry_run": options.dry_run, "safety_backup": safety},
    )
    return OriginalImportOut.model_validate(report.as_dict())


@router.post("/import")
async def import_database(
    ctx: Ctx,
    actor: Admin,
    file: Annotated[UploadFile, File()],
    storage_encryption_key: Annotated[
        str,
        Form(
            alias="storageEncryptionKey",
            max_length=4096,
            description="The original's STORAGE_ENCRYPTION_KEY, to open its "
            "encrypted provider credentials",
        ),
    ] = "",
    dry_run: Annotated[bool, Form(alias="dryRun")] = False,
    usage: Annotated[
        bool, Form(description="Also import the original's usage history")
    ] = False,
) -> RestoreOut | OriginalImportOut:
    """Restores an uploaded ``.sqlite`` (multipart field ``file``) after
    checking it is an OmniRoute database; a safety backup is taken first.

    An export of the original OmniRoute (its ``storage.sqlite``, exportAll
    ``.tar.gz`` or export-json ``.json``) is migrated into the live data
    instead, and the answer is the migration report (``dryRun`` writes
    nothing; a second import of the same file changes nothing)."""
    scratch = _scratch()
    path = scratch / "upload.sqlite"
    try:
        size = 0
        with path.open("wb") as out:
            while chunk := await file.read(_READ_CHUNK):
                size += len(chunk)
                if size > MAX_IMPORT_BYTES:
                    raise PayloadTooLarge("file: larger than 2 GiB")
                out.write(chunk)
        name = file.filename or "upload"
        if await asyncio.to_thread(looks_original, path):
            options = Options(
                dry_run=dry_run,
                usage=usage,
                storage_key=storage_encryption_key,
                actor=actor,
            )
            return await _import_original(ctx, actor, path, name, options)
        return await _restore(ctx, actor, path, name)
    finally:
        _remove(scratch)


async def _json_documents(ctx: AdminContext) -> dict[str, Any]:
    async with ctx.sessions() as session:
        settings = {
            g.field: g.export(await gc.load(session, g.schema), ctx.settings.secret)
            for g in GROUPS
        }
        providers = [
            ProviderOut.of(p).model_dump(mode="json")
            for p in await session.scalars(select(Provider).order_by(Provider.id))
        ]
        keys = [
            KeyOut.of(k).model_dump(mode="json")
            for k in await session.scalars(select(ApiKey).order_by(ApiKey.id))
        ]
        combos = [
            {
                "name": c.name,
                "strategy": c.strategy,
                "members": c.members,
                "description": c.description,
                "enabled": c.enabled,
            }
            for c in await session.scalars(select(Combo).order_by(Combo.name))
        ]
        aliases = [
            {"alias": a.alias, "target": a.target}
            for a in await session.scalars(
                select(ModelAlias).order_by(ModelAlias.alias)
            )
        ]
        prices = [
            {
                "provider": p.provider,
                "model": p.model,
                "input": p.input,
                "output": p.output,
                "cached_input": p.cached_input,
                "cache_write": p.cache_write,
                "cache_write_1h": p.cache_write_1h,
            }
            for p in await session.scalars(select(ModelPrice).order_by(ModelPrice.id))
        ]
        budgets = [
            {
                "keyId": b.key_id,
                "limit": b.limit_usd,
                "period": b.period,
                "warningThreshold": b.warning_threshold,
            }
            for b in await session.scalars(select(Budget).order_by(Budget.key_id))
        ]
    return {
        "settings.json": settings,
        "providers.json": providers,
        "api-keys.json": keys,
        "combos.json": combos,
        "aliases.json": aliases,
        "pricing.json": prices,
        "budgets.json": budgets,
    }


@router.get(
    "/exportAll",
    response_class=FileResponse,
    responses={200: {"content": {"application/gzip": {}}}},
)
async def export_all(ctx: Ctx, actor: Admin) -> FileResponse:
    """A ``.tar.gz`` with the database and JSON of settings, providers (no
    credentials), API keys (no hashes), combos, aliases, prices and budgets."""
    scratch = _scratch()
    try:
        database = scratch / "omniroute.sqlite"
        await backups.write_backup(ctx.engine, database)
        documents = await _json_documents(ctx)
        archive = scratch / "export.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(database, arcname="omniroute.sqlite")
            for name, document in documents.items():
                data = json.dumps(document, indent=2, default=str).encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = int(datetime.now(UTC).timestamp())
                tar.addfile(info, io.BytesIO(data))
    except BaseException:
        _remove(scratch)
        raise
    await record(ctx, actor, "backup.export_all", "database")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return FileResponse(
        archive,
        media_type="application/gzip",
        filename=f"omniroute-export-{stamp}.tar.gz",
        background=BackgroundTask(_remove, scratch),
    )
