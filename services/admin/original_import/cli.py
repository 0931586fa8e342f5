"""``python -m omniroute.migrate``: the original OmniRoute's data, in one command.

Writes the admin database named by the usual settings (``DATA_DIR``,
``DATABASE_URL``, ``OMNIROUTE_SECRET_KEY``), whether admin runs or not: a
running admin publishes the new configuration within seconds, a stopped one
at its next start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import Field, SecretStr

from omniroute.runtime.settings import env
from services.admin.db.database import create_engine, migrate, session_factory
from services.admin.original_import.reading import SourceError
from services.admin.original_import.report import Report
from services.admin.original_import.runner import (
    MigrationError,
    Options,
    migrate_original,
)
from services.admin.settings import AdminSettings

USAGE = """\
Migrates the original OmniRoute (TypeScript) into this gateway: providers and
their credentials, provider nodes, API keys (they keep working as they are),
combos, aliases, prices, settings with an equivalent, budgets and, with
--usage, usage history. A second run changes nothing.

SOURCE is one of: the original's data dir (DATA_DIR, ~/.omniroute), its
storage.sqlite, its /api/db-backups/exportAll archive (.tar.gz) or its
/api/settings/export-json document (.json).
"""


class MigrateSettings(AdminSettings):
    # The original's key for its encrypted credentials, when its data dir's
    # .env does not hold it (or the source is an archive).
    original_storage_key: SecretStr | None = Field(
        None,
        validation_alias=env(
            "ORIGINAL_STORAGE_ENCRYPTION_KEY", "STORAGE_ENCRYPTION_KEY"
        ),
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m omniroute.migrate",
        description=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", type=Path, help="the original's data dir or export")
    parser.add_argument(
        "--dry-run", action="store_true", help="report what would change; write nothing"
    )
    parser.add_argument(
        "--usage", action="store_true", help="also import usage_history"
    )
    parser.add_argument(
        "--storage-key",
        default="",
        help="the original's STORAGE_ENCRYPTION_KEY (default: from the data dir's "
        ".env, then $ORIGINAL_STORAGE_ENCRYPTION_KEY or $STORAGE_ENCRYPTION_KEY)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--database-url",
        default=None,
        help="this gateway's database (default: DATABASE_URL)",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="this gateway's DATA_DIR"
    )
    return parser


def _progress(message: str) -> None:
    sys.stderr.write(f"[migrate] {message}\n")
    sys.stderr.flush()


async def run(arguments: argparse.Namespace) -> Report:
    overrides: dict[str, object] = {}
    if arguments.database_url is not None:
        overrides["database_url"] = arguments.database_url
    if arguments.data_dir is not None:
        overrides["data_dir"] = arguments.data_dir
    settings = MigrateSettings(**overrides)  # type: ignore[arg-type]
    storage_key = arguments.storage_key
    if not storage_key and settings.original_storage_key is not None:
        storage_key = settings.original_storage_key.get_secret_value()
    engine = create_engine(settings.resolved_database_url())
    try:
        await migrate(engine)
        return await migrate_original(
            arguments.source,
            session_factory(engine),
            settings.secret,
            Options(
                dry_run=arguments.dry_run,
                usage=arguments.usage,
                storage_key=storage_key,
                bump_version=True,
            ),
            _progress,
        )
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    started = time.monotonic()
    try:
        report = asyncio.run(run(arguments))
    except (SourceError, MigrationError) as exc:
        _progress(f"error: {exc}")
        return 1
    if arguments.json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(report.text() + "\n")
    _progress(f"done in {time.monotonic() - started:.1f}s")
    return 0
