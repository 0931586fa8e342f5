"""Usage rows count their upstream calls, and the calls an executor that
died had begun before the request was taken over and run again.

Existing rows get one call and no interrupted one (server defaults): the
count was not recorded.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = (("attempts", "1"), ("interrupted_calls", "0"))


def upgrade() -> None:
    with op.batch_alter_table("usage_log", schema=None) as batch_op:
        for name, default in _COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.Integer(), nullable=False, server_default=default)
            )


def downgrade() -> None:
    with op.batch_alter_table("usage_log", schema=None) as batch_op:
        for name, _ in _COLUMNS:
            batch_op.drop_column(name)
