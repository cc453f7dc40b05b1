"""Users: the language picked in /settings (NULL follows Telegram's language_code), and units
become optional (NULL: not picked, so they follow the language).

Before this revision every user had units, "metric" by default: a stored "metric" cannot be told
apart from the default, so it becomes NULL (not picked) and only "imperial", which someone did
pick, is kept as a pick. The downgrade writes "metric" back where nothing was picked.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add users.language; make users.units nullable, the old default "metric" becoming NULL."""
    # SQLite cannot change a column's nullability in place: batch mode copies the table there;
    # PostgreSQL alters the column where it stands.
    with op.batch_alter_table("users", recreate=_recreate()) as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))
        batch.alter_column(
            "units",
            existing_type=sa.String(length=8),
            nullable=True,
            server_default=None,
            existing_server_default=sa.text("'metric'"),
        )
    op.execute("UPDATE users SET units = NULL WHERE units = 'metric'")


def _recreate() -> Literal["always", "never"]:
    return "always" if op.get_bind().dialect.name == "sqlite" else "never"


def downgrade() -> None:
    """Units back to required with "metric" for those who never picked; the language goes."""
    op.execute("UPDATE users SET units = 'metric' WHERE units IS NULL")
    with op.batch_alter_table("users", recreate=_recreate()) as batch:
        batch.alter_column(
            "units",
            existing_type=sa.String(length=8),
            nullable=False,
            server_default="metric",
        )
        batch.drop_column("language")
