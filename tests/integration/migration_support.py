"""Alembic steps the storage tests take besides migrate(): going down to an earlier revision."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import command

from vinbot.storage.engine import create_engine_for
from vinbot.storage.migrate import alembic_config

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


async def downgrade(url: str, revision: str) -> None:
    """Run Alembic's downgrade to revision (or "base") in one transaction, foreign keys off on
    SQLite as migrate() has them."""
    engine = create_engine_for(url, foreign_keys=False)

    def run(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()
