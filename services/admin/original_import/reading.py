"""The original's files into ``records``: data dir, SQLite, archive or JSON.

A SQLite source is first copied with the online-backup API, so a running
original (WAL mode) can be read consistently and nothing of it is changed.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from services.admin.original_import.records import (
    Leftover,
    OriginalData,
    Row,
    UsageRow,
    budget_of,
    combo_of,
    connection_of,
    key_of,
    node_of,
    usage_of,
)

SQLITE_HEADER = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"
DATABASE = "storage.sqlite"
# Where the original looks for STORAGE_ENCRYPTION_KEY besides the environment.
ENV_FILES = (".env", "server.env")
# Tables whose presence says "the original's database" (ours has none of them).
ORIGINAL_TABLES = frozenset({"provider_connections", "key_value", "combos"})
MAX_ARCHIVE_MEMBER = 4 * 1024**3

# Namespaces of key_value taken by no mapping, and why.
NAMESPACE_REASONS = {
    "lkgp": "last-known-good provider per combo step: runtime state, rebuilt here "
    "by the router",
    "compression": "prompt compression; no equivalent here",
    "secrets": "the original's own JWT and API-key secrets; this gateway signs "
    "with OMNIROUTE_SECRET_KEY",
    "pricing_synced": "prices the original synced from LiteLLM or models.dev; "
    "this gateway has its own built-in table",
    "syncedAvailableModels": "model lists the original fetched from providers; "
    "GET /api/providers/{id}/models fetches them again",
    "mitmAlias": "the MITM proxy's aliases; no MITM proxy here",
    "apiKeySelfService": "self-service key settings; no equivalent",
}
# Tables taken by no mapping, and why (reported only when they hold rows).
TABLE_REASONS = {
    "call_logs": "per-request logs and their payload artifacts; --usage imports "
    "usage_history, the per-call usage",
    "request_detail_logs": "request and response payloads; never stored here",
    "proxy_logs": "outbound proxy logs; no equivalent",
    "domain_cost_history": "the budgets' spend ledger; spend here is the cost of "
    "recorded usage (imported with --usage, costed with this gateway's prices)",
    "domain_budget_reset_logs": "budget reset history; no equivalent",
    "model_combo_mappings": "glob pattern -> combo routing; no equivalent",
    "api_key_token_limits": "per-key token limits by model or provider; keys "
    "here have a tokens-per-minute limit only",
    "semantic_cache": "cached responses; the cache fills again",
    "reasoning_cache": "cached reasoning; no equivalent",
    "webhooks": "webhooks; no equivalent",
    "memories": "memories; no equivalent",
    "skills": "skills; no equivalent",
    "eval_suites": "eval suites: another case format; re-create with POST /api/evals",
    "quota_snapshots": "provider quota snapshots: runtime state",
    "session_account_affinity": "session affinity: runtime state",
    "context_handoffs": "context-relay summaries: runtime state",
    "domain_circuit_breakers": "breaker state: runtime state",
    "sync_tokens": "cloud sync tokens; no cloud sync here",
    "files": "uploaded files (Files API); no equivalent",
    "batches": "batches (Batch API); no equivalent",
    "audit_log": "the original's audit trail; it stays with the original",
}


class SourceError(ValueError):
    """The path is not something the original wrote, or cannot be read."""


def env_storage_key(directory: Path) -> str:
    """STORAGE_ENCRYPTION_KEY from the original's env files in ``directory``."""
    for name in ENV_FILES:
        path = directory / name
        if not path.is_file():
            continue
        for line in path.read_text(errors="replace").splitlines():
            name_part, eq, value = line.strip().partition("=")
            if eq and name_part.strip() == "STORAGE_ENCRYPTION_KEY":
                # The original strips one pair of quotes the same way.
                value = value.strip()
                if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1:
                    value = value[1:-1]
                if value:
                    return value
    return ""


def is_original_sqlite(path: Path) -> bool:
    """Whether ``path`` is a SQLite database of the original (not of ours)."""
    try:
        with path.open("rb") as handle:
            if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return False
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = _tables(connection)
        finally:
            connection.close()
    except (OSError, sqlite3.Error):
        return False
    return tables >= ORIGINAL_TABLES and "alembic_version" not in tables


def looks_original(path: Path) -> bool:
    """Whether ``path`` is any export form of the original (for the import route)."""
    with path.open("rb") as handle:
        head = handle.read(64)
    if head.startswith(SQLITE_HEADER):
        return is_original_sqlite(path)
    if head.startswith(GZIP_MAGIC):
        try:
            with tarfile.open(path, "r:gz") as tar:
                return _archive_database(tar) is not None
        except (tarfile.TarError, OSError, EOFError):
            return False
    if head.lstrip()[:1] == b"{":
        try:
            document = json.loads(path.read_bytes())
        except ValueError:
            return False
        return _is_original_document(document)
    return False


def _tables(connection: sqlite3.Connection) -> set[str]:
    return {
        str(row[0])
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    }


@contextlib.contextmanager
def read_original(path: Path) -> Iterator[tuple[OriginalData, str]]:
    """The original's data at ``path`` and the storage key found beside it.

    ``path`` is a data dir, a ``storage.sqlite``, an exportAll ``.tar.gz`` or
    an export-json document. Usage rows are read while the context is open.
    """
    path = path.expanduser()
    scratch = Path(tempfile.mkdtemp(prefix="omniroute-original-"))
    try:
        if path.is_dir():
            database = path / DATABASE
            if not database.is_file():
                raise SourceError(f"{path}: no {DATABASE} in this directory")
            with _sqlite(database, scratch, f"data dir {path}") as data:
                yield data, env_storage_key(path)
            return
        if not path.is_file():
            raise SourceError(f"{path}: no such file or directory")
        with path.open("rb") as handle:
            head = handle.read(64)
        if head.startswith(SQLITE_HEADER):
            with _sqlite(path, scratch, f"database {path}") as data:
                yield data, env_storage_key(path.parent)
        elif head.startswith(GZIP_MAGIC):
            database = _extract_archive(path, scratch)
            with _sqlite(database, scratch, f"archive {path}") as data:
                yield data, ""
        else:
            yield _read_document(path), ""
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def _sqlite(database: Path, scratch: Path, origin: str) -> Iterator[OriginalData]:
    copy = scratch / "original.sqlite"
    _snapshot(database, copy)
    connection = sqlite3.connect(copy)
    connection.row_factory = sqlite3.Row
    try:
        tables = _tables(connection)
        if not tables >= ORIGINAL_TABLES:
            if "alembic_version" in tables:
                raise SourceError(
                    f"{database}: a database of this gateway, not of the original; "
                    "restore it with POST /api/db-backups/import"
                )
            raise SourceError(
                f"{database}: not a database of the original OmniRoute (it has "
                "no provider_connections, key_value and combos tables)"
            )
        yield _read_database(connection, tables, origin)
    finally:
        connection.close()


def _snapshot(database: Path, copy: Path) -> None:
    try:
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    except sqlite3.Error:
        # A read-only directory cannot hold the -shm file a WAL reader needs:
        # copy the files and read the copy.
        copy.unlink(missing_ok=True)
        shutil.copyfile(database, copy)
        wal = database.with_name(database.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
    try:
        check = sqlite3.connect(copy)
        try:
            check.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            check.close()
    except sqlite3.Error as exc:
        raise SourceError(f"{database}: cannot read the database ({exc})") from None


def _archive_database(tar: tarfile.TarFile) -> tarfile.TarInfo | None:
    for member in tar.getmembers():
        name = member.name.rstrip("/")
        if member.isfile() and (name == DATABASE or name.endswith("/" + DATABASE)):
            return member
    return None


def _extract_archive(path: Path, scratch: Path) -> Path:
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = _archive_database(tar)
            if member is None:
                names = set(tar.getnames())
                if "omniroute.sqlite" in names:
                    raise SourceError(
                        f"{path}: an export of this gateway, not of the original"
                    )
                raise SourceError(f"{path}: the archive holds no {DATABASE}")
            if member.size > MAX_ARCHIVE_MEMBER:
                raise SourceError(f"{path}: {DATABASE} in the archive is too large")
            # Only this member, by our own name: nothing in the archive
            # chooses where a file lands.
            target = scratch / "archive.sqlite"
            extracted = tar.extractfile(member)
            if extracted is None:
                raise SourceError(f"{path}: cannot read {member.name}")
            with extracted, target.open("wb") as out:
                shutil.copyfileobj(extracted, out)
            return target
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise SourceError(f"{path}: not a readable .tar.gz ({exc})") from None


def _rows(connection: sqlite3.Connection, tables: set[str], table: str) -> list[Row]:
    if table not in tables:
        return []
    return [Row(dict(r)) for r in connection.execute(f'SELECT * FROM "{table}"')]


def _count(connection: sqlite3.Connection, tables: set[str], table: str) -> int:
    if table not in tables:
        return 0
    return int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


def _read_database(
    connection: sqlite3.Connection, tables: set[str], origin: str
) -> OriginalData:
    data = OriginalData(origin=origin)
    data.connections = [
        connection_of(r) for r in _rows(connection, tables, "provider_connections")
    ]
    data.nodes = [node_of(r) for r in _rows(connection, tables, "provider_nodes")]
    data.keys = [key_of(r) for r in _rows(connection, tables, "api_keys")]
    data.combos = [combo_of(r) for r in _rows(connection, tables, "combos")]
    data.budgets = [budget_of(r) for r in _rows(connection, tables, "domain_budgets")]
    _read_key_value(data, _rows(connection, tables, "key_value"))
    data.usage_count = _count(connection, tables, "usage_history")
    if data.usage_count:

        def batches(size: int) -> Iterator[list[UsageRow]]:
            cursor = connection.execute("SELECT * FROM usage_history ORDER BY id")
            while chunk := cursor.fetchmany(size):
                yield [usage_of(Row(dict(r))) for r in chunk]

        data.usage_batches = batches
    for table, reason in TABLE_REASONS.items():
        if rows := _count(connection, tables, table):
            data.leftovers.append(Leftover(f"table {table}", rows, reason))
    return data


def _value(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _read_key_value(data: OriginalData, rows: list[Row]) -> None:
    ignored: dict[str, int] = {}
    for row in rows:
        namespace, key = row.text("namespace"), row.text("key")
        value = _value(row.raw("value"))
        if namespace == "settings":
            data.settings[key] = value
        elif namespace == "modelAliases" and isinstance(value, str):
            data.aliases[key] = value
        elif namespace == "pricing" and isinstance(value, dict):
            data.pricing[key] = value
        elif namespace == "customModels" and isinstance(value, list):
            data.custom_models[key] = value
        elif namespace == "proxyConfig":
            data.proxy[key] = value
        elif namespace == "databaseSettings":
            data.database_settings[key] = value
        else:
            ignored[namespace] = ignored.get(namespace, 0) + 1
    _settings_aliases(data)
    for namespace, count in sorted(ignored.items()):
        reason = NAMESPACE_REASONS.get(namespace, "not known to this migration")
        data.leftovers.append(Leftover(f"key_value {namespace}", count, reason))


def _settings_aliases(data: OriginalData) -> None:
    # settings.modelAliases wins over the namespace, as in the original.
    extra = data.settings.pop("modelAliases", None)
    if isinstance(extra, dict):
        data.aliases.update(
            {str(k): str(v) for k, v in extra.items() if isinstance(v, str)}
        )


def _is_original_document(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    meta = document.get("_meta")
    version = str(meta.get("version", "")) if isinstance(meta, dict) else ""
    return version.startswith("omniroute") or "providerConnections" in document


def _records(document: dict[str, Any], name: str) -> list[Row]:
    values = document.get(name)
    if not isinstance(values, list):
        return []
    return [Row(v) for v in values if isinstance(v, dict)]


def _read_document(path: Path) -> OriginalData:
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, OSError) as exc:
        raise SourceError(
            f"{path}: not a data dir, SQLite database, .tar.gz or JSON ({exc})"
        ) from None
    if not _is_original_document(document):
        raise SourceError(f"{path}: not an export of the original OmniRoute")
    data = OriginalData(origin=f"JSON export {path}")
    data.connections = [
        connection_of(r) for r in _records(document, "providerConnections")
    ]
    data.nodes = [node_of(r) for r in _records(document, "providerNodes")]
    data.keys = [key_of(r) for r in _records(document, "apiKeys")]
    data.combos = [combo_of(r) for r in _records(document, "combos")]
    data.budgets = [budget_of(r) for r in _records(document, "domainBudgets")]
    settings = document.get("settings")
    data.settings = dict(settings) if isinstance(settings, dict) else {}
    _settings_aliases(data)
    usage = [usage_of(r) for r in _records(document, "usageHistory")]
    data.usage_count = len(usage)

    def batches(size: int) -> Iterator[list[UsageRow]]:
        for start in range(0, len(usage), size):
            yield usage[start : start + size]

    data.usage_batches = batches
    data.leftovers.append(
        Leftover(
            "JSON export",
            1,
            "holds no model aliases, pricing or custom models (the original "
            "exports them only in storage.sqlite): migrate from the data dir or "
            "the exportAll archive to bring those too",
        )
    )
    if costs := _records(document, "domainCostHistory"):
        data.leftovers.append(
            Leftover(
                "domainCostHistory", len(costs), TABLE_REASONS["domain_cost_history"]
            )
        )
    return data
