"""Recall alert state: users.blocked_at and known_recalls (vin, campaign_id, first_seen).

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add users.blocked_at and the known_recalls table; existing rows are untouched."""
    # A nullable column is a plain ALTER TABLE ADD COLUMN in SQLite: no table copy.
    op.add_column("users", sa.Column("blocked_at", sa.DateTime(), nullable=True))
    op.create_table(
        "known_recalls",
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("campaign_id", sa.String(length=32), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("vin", "campaign_id", name="pk_known_recalls"),
    )


def downgrade() -> None:
    """Drop known_recalls and users.blocked_at."""
    op.drop_table("known_recalls")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("blocked_at")
