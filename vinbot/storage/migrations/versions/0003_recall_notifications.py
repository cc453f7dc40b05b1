"""Recall alerts: known_recalls.baseline, recall_checks and recall_notifications.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the baseline flag, the per-VIN check times and the per-user notification ledger."""
    # NOT NULL with a constant default is a plain ALTER TABLE ADD COLUMN in SQLite: no copy.
    op.add_column(
        "known_recalls",
        sa.Column("baseline", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # Campaigns stored before alerts were sent were never announced: keep it that way.
    # TRUE, not 1: PostgreSQL's boolean takes no integer (SQLite reads TRUE as 1 since 3.23).
    op.execute("UPDATE known_recalls SET baseline = TRUE")
    op.create_table(
        "recall_checks",
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("first_checked_at", sa.DateTime(), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("vin", name="pk_recall_checks"),
    )
    op.create_table(
        "recall_notifications",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("campaign_id", sa.String(length=32), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_recall_notifications_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "vin", "campaign_id", name="pk_recall_notifications"),
    )


def downgrade() -> None:
    """Drop recall_notifications, recall_checks and known_recalls.baseline."""
    op.drop_table("recall_notifications")
    op.drop_table("recall_checks")
    with op.batch_alter_table("known_recalls") as batch:
        batch.drop_column("baseline")
