"""History: one row per user and VIN (the newest kept), enforced by a unique index.

Revision ID: 0005
Revises: 0003
Create Date: 2025-01-05
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Delete all but the newest lookup of each user and VIN, then add the unique index."""
    # SQLite has window functions since 3.25 (2018); ties on the time keep the later row.
    op.execute(
        """
        DELETE FROM lookups WHERE id NOT IN (
            SELECT id FROM (
                SELECT id, row_number() OVER (
                    PARTITION BY user_id, vin ORDER BY looked_up_at DESC, id DESC
                ) AS newest_first
                FROM lookups
            ) WHERE newest_first = 1
        )
        """
    )
    op.create_index("ix_lookups_user_id_vin", "lookups", ["user_id", "vin"], unique=True)


def downgrade() -> None:
    """Drop the unique index (the deleted duplicates do not come back)."""
    op.drop_index("ix_lookups_user_id_vin", table_name="lookups")
