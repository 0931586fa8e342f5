"""Typed model lists: embedding, image and transcription models per provider.

Existing providers get empty lists (server default) and keep serving chat.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:58:56.605142
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "embedding_models", sa.JSON(), nullable=False, server_default="[]"
            )
        )
        batch_op.add_column(
            sa.Column("image_models", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column(
                "transcription_models", sa.JSON(), nullable=False, server_default="[]"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_column("transcription_models")
        batch_op.drop_column("image_models")
        batch_op.drop_column("embedding_models")
