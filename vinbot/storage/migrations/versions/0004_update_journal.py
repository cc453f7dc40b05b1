"""The in-flight update journal: update_journal and update_journal_mark.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the journal of fetched-but-unhandled updates and its newest-id mark."""
    op.create_table(
        "update_journal",
        sa.Column("update_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("replayed_alone", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name="pk_update_journal"),
    )
    op.create_table(
        "update_journal_mark",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_update_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_update_journal_mark_single_row")),
        sa.PrimaryKeyConstraint("id", name="pk_update_journal_mark"),
    )


def downgrade() -> None:
    """Drop the journal tables."""
    op.drop_table("update_journal_mark")
    op.drop_table("update_journal")
