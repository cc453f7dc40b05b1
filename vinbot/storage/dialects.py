"""INSERT ... ON CONFLICT for the engine's dialect: SQLite's and PostgreSQL's are spelled alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.dialects import postgresql, sqlite

if TYPE_CHECKING:
    from sqlalchemy import Table

    from vinbot.storage.tables import Base

# Both have on_conflict_do_nothing / on_conflict_do_update(index_elements, set_, where) and
# `excluded`; which one a statement needs is known only from the engine it runs on.
type UpsertInsert = sqlite.Insert | postgresql.Insert


def upsert_insert(dialect: str, table: Table | type[Base]) -> UpsertInsert:
    """An INSERT that can take ON CONFLICT clauses, for dialect ("sqlite" or "postgresql")."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"no upsert for the {dialect!r} dialect")
