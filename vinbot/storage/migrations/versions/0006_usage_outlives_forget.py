"""usage_daily no longer references users: today's count outlives /forget until the day ends.

Revision ID: 0006
Revises: 0005
Create Date: 2025-01-06
"""

from __future__ import annotations

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Drop the foreign key (and its ON DELETE CASCADE) from usage_daily.user_id."""
    # SQLite cannot drop a constraint in place: batch mode copies the table.
    with op.batch_alter_table("usage_daily", recreate="always") as batch:
        batch.drop_constraint("fk_usage_daily_user_id_users", type_="foreignkey")


def downgrade() -> None:
    """Put the foreign key back, first deleting counts whose user is gone."""
    op.execute("DELETE FROM usage_daily WHERE user_id NOT IN (SELECT id FROM users)")
    with op.batch_alter_table("usage_daily", recreate="always") as batch:
        batch.create_foreign_key(
            "fk_usage_daily_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
