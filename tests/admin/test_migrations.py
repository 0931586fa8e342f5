"""The migrations build the schema the models declare, on SQLite and
PostgreSQL: a column added to a model without its migration (or the other
way round) fails here rather than on an operator's upgrade."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from services.admin.db import batch_models  # noqa: F401 (its tables)
from services.admin.db.database import create_engine, migrate
from services.admin.db.models import Base
from services.admin.settings import AdminSettings


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection)
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrations_build_the_models_schema(database_url: str) -> None:
    url = AdminSettings(database_url=database_url).resolved_database_url()
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == []
