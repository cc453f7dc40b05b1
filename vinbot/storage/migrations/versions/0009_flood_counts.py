"""The flood guard's per-user, per-minute counts, shared by every instance on one database.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add flood_counts."""
    op.create_table(
        "flood_counts",
        sa.Column(
            "user_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("window", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("told", sa.String(length=64), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("user_id", "window", name="pk_flood_counts"),
    )


def downgrade() -> None:
    """Drop flood_counts."""
    op.drop_table("flood_counts")
