"""Providers gain model lists for speech, rerank and moderations.

Existing providers get empty lists (server default): an operator adds the
models, or re-saves the provider to take its preset's.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS = ("speech_models", "rerank_models", "moderation_models")


def upgrade() -> None:
    with op.batch_alter_table("providers", schema=None) as batch_op:
        for name in _COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.JSON(), nullable=False, server_default="[]")
            )


def downgrade() -> None:
    with op.batch_alter_table("providers", schema=None) as batch_op:
        for name in _COLUMNS:
            batch_op.drop_column(name)
