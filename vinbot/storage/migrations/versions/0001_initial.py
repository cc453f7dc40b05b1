"""The first schema: users with their settings, lookups, garage and the usage ledger.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create users, lookups, garage, usage_daily and usage_monthly."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("language_code", sa.String(length=16), nullable=True),
        sa.Column("units", sa.String(length=8), server_default="metric", nullable=False),
        sa.Column("recall_alerts", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint("units IN ('metric', 'imperial')", name=op.f("ck_users_units")),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_table(
        "lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("looked_up_at", sa.DateTime(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("make", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_lookups_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lookups"),
    )
    op.create_index("ix_lookups_user_id_looked_up_at", "lookups", ["user_id", "looked_up_at"])
    op.create_index("ix_lookups_looked_up_at", "lookups", ["looked_up_at"])
    op.create_table(
        "garage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("nickname", sa.String(length=64), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_garage_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_garage"),
        sa.UniqueConstraint("user_id", "vin", name="uq_garage_user_id_vin"),
    )
    op.create_table(
        "usage_daily",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("paid_calls", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_usage_daily_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name="pk_usage_daily"),
    )
    op.create_index("ix_usage_daily_day", "usage_daily", ["day"])
    op.create_table(
        "usage_monthly",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("paid_calls", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("cap_reached_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("month", name="pk_usage_monthly"),
    )


def downgrade() -> None:
    """Drop every table this revision created."""
    op.drop_table("usage_monthly")
    op.drop_index("ix_usage_daily_day", table_name="usage_daily")
    op.drop_table("usage_daily")
    op.drop_table("garage")
    op.drop_index("ix_lookups_looked_up_at", table_name="lookups")
    op.drop_index("ix_lookups_user_id_looked_up_at", table_name="lookups")
    op.drop_table("lookups")
    op.drop_table("users")
