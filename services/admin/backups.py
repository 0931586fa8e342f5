"""Database backups that work the same on SQLite and PostgreSQL.

A backup is always a SQLite file with the full schema and an
``alembic_version`` row: from SQLite through the sqlite3 online-backup API
(a consistent copy while admin keeps writing), from PostgreSQL by copying
every table through SQLAlchemy. Restoring copies the tables of such a file
back into the live database in one transaction, after migrating the copy to
the current schema, so an older backup restores into a newer admin.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, Integer, Table, delete, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from omniroute.errors import BadRequest
from services.admin.db.database import alembic_config, migrate
from services.admin.db.models import Base

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_TABLES = frozenset(
    {
        "alembic_version",
        "providers",
        "accounts",
        "api_keys",
        "usage_log",
        "config_state",
    }
)
# Not taken from a backup: the audit trail is append-only (a restore must
# not erase the record of what happened since), login sessions belong to
# whoever is signed in now, and the snapshot version only ever grows.
PRESERVED = frozenset({"audit_log", "login_sessions", "config_state"})
_CHUNK = 1000


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def _known_revision(revision: str) -> bool:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def validate(path: Path) -> str:
    """The file's schema revision; ``BadRequest`` unless it is an OmniRoute DB."""
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BadRequest("file: not a SQLite database", param="file")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BadRequest(
            f"file: cannot open the database ({exc})", param="file"
        ) from None
    try:
        check = connection.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise BadRequest("file: the database is damaged", param="file")
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
        missing = REQUIRED_TABLES - tables
        if missing:
            raise BadRequest(
                "file: not an OmniRoute database (missing tables: "
                + ", ".join(sorted(missing))
                + ")",
                param="file",
            )
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BadRequest(f"file: unreadable database ({exc})", param="file") from None
    finally:
        connection.close()
    revision = str(row[0]) if row else ""
    if not _known_revision(revision):
        raise BadRequest(
            f"file: schema revision '{revision}' is unknown to this admin (newer "
            "than it, or not OmniRoute's)",
            param="file",
        )
    return revision


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


async def write_backup(engine: AsyncEngine, destination: Path) -> None:
    """A consistent copy of the live database as a SQLite file."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite_path(str(engine.url))
    if source is not None:
        await asyncio.to_thread(_sqlite_backup, source, destination)
        return
    await _logical_export(engine, destination)


def _sqlite_backup(source: Path, destination: Path) -> None:
    partial = destination.with_suffix(".partial")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(partial)
    try:
        with dst:
            src.backup(dst)
        # The copy inherits WAL mode; a backup is one self-contained file.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()
    partial.replace(destination)


async def _logical_export(engine: AsyncEngine, destination: Path) -> None:
    partial = destination.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    target = create_async_engine(f"sqlite+aiosqlite:///{partial}")
    try:
        async with engine.connect() as source, target.begin() as out:
            await out.run_sync(Base.metadata.create_all)
            revision = (
                await source.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar_one()
            await out.execute(
                text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            )
            await out.execute(
                text("INSERT INTO alembic_version VALUES (:v)"), {"v": revision}
            )
            for table in Base.metadata.sorted_tables:
                await _copy(source, out, table)
    finally:
        await target.dispose()
    partial.replace(destination)


async def _copy(source: AsyncConnection, target: AsyncConnection, table: Table) -> int:
    result = await source.stream(select(table))
    copied = 0
    async for chunk in result.mappings().partitions(_CHUNK):
        rows = [_portable(table, dict(row)) for row in chunk]
        await target.execute(insert(table), rows)
        copied += len(rows)
    return copied


def _portable(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """UTC-aware datetimes both ways: SQLite returns naive wall time, and a
    naive value sent to a timestamptz column would be read as local time."""
    for column in table.columns:
        value = row.get(column.name)
        if isinstance(column.type, DateTime) and isinstance(value, datetime):
            row[column.name] = (
                value.replace(tzinfo=UTC)
                if value.tzinfo is None
                else value.astimezone(UTC)
            )
    return row


async def restore(engine: AsyncEngine, backup: Path) -> dict[str, int]:
    """Replaces the live data with the backup's (except ``PRESERVED``)."""
    revision = await asyncio.to_thread(validate, backup)
    with tempfile.TemporaryDirectory(prefix="omniroute-restore-") as scratch:
        copy = Path(scratch) / "restore.sqlite"
        await asyncio.to_thread(shutil.copyfile, backup, copy)
        source = create_async_engine(f"sqlite+aiosqlite:///{copy}")
        try:
            if revision != head_revision():
                await migrate(source)
            tables = [t for t in Base.metadata.sorted_tables if t.name not in PRESERVED]
            async with source.connect() as src, engine.begin() as live:
                return await _replace(src, live, tables)
        finally:
            await source.dispose()


async def _replace(
    source: AsyncConnection, live: AsyncConnection, tables: list[Table]
) -> dict[str, int]:
    postgres = live.dialect.name == "postgresql"
    if postgres:
        # Nobody (the usage consumer) writes these tables mid-restore.
        names = ", ".join(t.name for t in tables)
        await live.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    for table in reversed(tables):
        await live.execute(delete(table))
    counts = {table.name: await _copy(source, live, table) for table in tables}
    if postgres:
        await _reset_sequences(live, tables)
    return counts


async def _reset_sequences(live: AsyncConnection, tables: Iterable[Table]) -> None:
    for table in tables:
        key = table.c.get("id")
        if key is None or not key.primary_key or not isinstance(key.type, Integer):
            continue
        await live.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )
