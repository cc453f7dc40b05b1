"""Leases (one instance runs the recall-alert job, one polls) and /value drafts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create leases and value_drafts (new tables: the same statements on both dialects)."""
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_leases"),
    )
    telegram_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "value_drafts",
        sa.Column("user_id", telegram_id, nullable=False, autoincrement=False),
        sa.Column("chat_id", telegram_id, nullable=False, autoincrement=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("mileage", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "step IN ('mileage', 'state', 'condition')", name=op.f("ck_value_drafts_step")
        ),
        sa.PrimaryKeyConstraint("user_id", "chat_id", name="pk_value_drafts"),
    )
    op.create_index("ix_value_drafts_expires_at", "value_drafts", ["expires_at"])


def downgrade() -> None:
    """Drop value_drafts and leases."""
    op.drop_index("ix_value_drafts_expires_at", table_name="value_drafts")
    op.drop_table("value_drafts")
    op.drop_table("leases")
