"""Shared pieces of the storage tests: a hand-moved UTC clock, databases on tmp files, row scans."""

from __future__ import annotations

import sqlite3
from contextlib import asynccontextmanager, closing
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from vinbot.storage.engine import Database

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

VIN = "1HGCM82633A004352"
OTHER_VIN = "1FTFW1ET5DFC10312"


class FakeClock:
    """A UTC wall clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 3, 14, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.now = moment


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    """An initialized Database, closed on exit."""
    database = Database(url)
    await database.initialize()
    try:
        yield database
    finally:
        await database.aclose()


def rows_mentioning_user(path: Path, user_id: int) -> dict[str, int]:
    """Rows per table whose user column (users.id, or any *user_id column) holds user_id."""
    found: dict[str, int] = {}
    with closing(sqlite3.connect(path)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            user_columns = [c for c in columns if c == "user_id" or c.endswith("_user_id")]
            if table == "users":
                user_columns.append("id")
            for column in user_columns:
                (count,) = connection.execute(
                    f"SELECT count(*) FROM {table} WHERE {column} = ?",  # noqa: S608 - names from the schema
                    (user_id,),
                ).fetchone()
                if count:
                    found[f"{table}.{column}"] = count
    return found


def scalar(path: Path, sql: str, *params: object) -> object:
    """One value from the file, read with the stdlib driver (independent of vinbot's code)."""
    with closing(sqlite3.connect(path)) as connection:
        row = connection.execute(sql, params).fetchone()
    return None if row is None else row[0]
