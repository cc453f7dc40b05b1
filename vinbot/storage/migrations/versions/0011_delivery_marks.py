"""Webhook delivery marks in the database, for several instances on PostgreSQL without Upstash.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add delivery_marks (a new table: the same statements on both dialects)."""
    op.create_table(
        "delivery_marks",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=160), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_delivery_marks"),
    )
    op.create_index("ix_delivery_marks_expires_at", "delivery_marks", ["expires_at"])


def downgrade() -> None:
    """Drop delivery_marks."""
    op.drop_index("ix_delivery_marks_expires_at", table_name="delivery_marks")
    op.drop_table("delivery_marks")
