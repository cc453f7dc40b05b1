"""History: one row per user and VIN (the newest kept), enforced by a unique index; and
usage_daily no longer references users, so today's count outlives /forget until the day ends.

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-05
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Keep the newest lookup of each user and VIN, add the unique index, and drop the foreign
    key (and its ON DELETE CASCADE) from usage_daily.user_id."""
    # SQLite has window functions since 3.25 (2018); ties on the time keep the later row.
    # PostgreSQL before 16 needs the subquery's alias.
    op.execute(
        """
        DELETE FROM lookups WHERE id NOT IN (
            SELECT id FROM (
                SELECT id, row_number() OVER (
                    PARTITION BY user_id, vin ORDER BY looked_up_at DESC, id DESC
                ) AS newest_first
                FROM lookups
            ) AS ranked WHERE newest_first = 1
        )
        """
    )
    op.create_index("ix_lookups_user_id_vin", "lookups", ["user_id", "vin"], unique=True)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_usage_daily_user_id_users", "usage_daily", type_="foreignkey")
        return
    # SQLite cannot drop a constraint in place: batch mode copies the table.
    with op.batch_alter_table("usage_daily", recreate="always") as batch:
        batch.drop_constraint("fk_usage_daily_user_id_users", type_="foreignkey")


def downgrade() -> None:
    """Put usage_daily's foreign key back (first deleting counts whose user is gone) and drop
    the unique index (the merged duplicates do not come back)."""
    op.execute("DELETE FROM usage_daily WHERE user_id NOT IN (SELECT id FROM users)")
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key(
            "fk_usage_daily_user_id_users",
            "usage_daily",
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
    else:
        with op.batch_alter_table("usage_daily", recreate="always") as batch:
            batch.create_foreign_key(
                "fk_usage_daily_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
            )
    op.drop_index("ix_lookups_user_id_vin", table_name="lookups")
