"""Alembic's entry point: migrate on the connection migrate() shares, or on a new async engine."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from alembic import context

from vinbot.storage.engine import create_engine_for
from vinbot.storage.tables import Base

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters most things by copying the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_new_engine(url: str) -> None:
    engine = create_engine_for(url, foreign_keys=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run_on)
    finally:
        await engine.dispose()


def _run_offline(url: str) -> None:
    context.configure(
        url=url,
        target_metadata=Base.metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or ""
    if context.is_offline_mode():
        _run_offline(url)
        return
    shared = config.attributes.get("connection")
    if shared is not None:
        _run_on(shared)
    else:
        asyncio.run(_run_on_new_engine(url))


_main()
