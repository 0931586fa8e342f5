"""Prompt-cache accounting: usage rows keep cache writes (and their one-hour
part) and the USD the provider cache saved; prices gain cache-write rates.

Existing rows get 0 (server default): their writes were not recorded.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_USAGE = (
    ("cache_creation_tokens", sa.BigInteger()),
    ("cache_creation_1h_tokens", sa.BigInteger()),
    ("cache_saved_usd", sa.Float()),
)
_PRICES = (("cache_write", sa.Float()), ("cache_write_1h", sa.Float()))


def upgrade() -> None:
    for table, columns in (("usage_log", _USAGE), ("model_prices", _PRICES)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, kind in columns:
                batch_op.add_column(
                    sa.Column(name, kind, nullable=False, server_default="0")
                )


def downgrade() -> None:
    for table, columns in (("usage_log", _USAGE), ("model_prices", _PRICES)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _ in columns:
                batch_op.drop_column(name)
