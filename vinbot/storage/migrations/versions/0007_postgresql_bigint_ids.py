"""PostgreSQL: Telegram user and update ids become BIGINT (64 bits); nothing changes on SQLite.

Revisions 0001-0005 declare these columns INTEGER, which is 64 bits in SQLite but 32 in
PostgreSQL, where Telegram ids past 2^31 would not fit.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

# (table, column) holding a Telegram user or update id; every one is NOT NULL.
ID_COLUMNS = (
    ("users", "id"),
    ("lookups", "user_id"),
    ("garage", "user_id"),
    ("usage_daily", "user_id"),
    ("recall_notifications", "user_id"),
    ("update_journal", "update_id"),
    ("update_journal_mark", "last_update_id"),
)


def upgrade() -> None:
    """Widen the id columns to BIGINT on PostgreSQL (SQLite's INTEGER holds 64 bits already)."""
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column in ID_COLUMNS:
        op.alter_column(
            table,
            column,
            existing_type=sa.Integer(),
            type_=sa.BigInteger(),
            existing_nullable=False,
        )


def downgrade() -> None:
    """Narrow the id columns back to INTEGER on PostgreSQL (fails if an id no longer fits)."""
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column in reversed(ID_COLUMNS):
        op.alter_column(
            table,
            column,
            existing_type=sa.BigInteger(),
            type_=sa.Integer(),
            existing_nullable=False,
        )
