"""Which instance journaled each in-flight update, so a restart replays only its own.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add update_journal.holder (rows from before it have none: any instance adopts them)."""
    with op.batch_alter_table("update_journal") as batch:
        batch.add_column(sa.Column("holder", sa.String(length=128), nullable=True))


def downgrade() -> None:
    """Drop update_journal.holder."""
    with op.batch_alter_table("update_journal") as batch:
        batch.drop_column("holder")
