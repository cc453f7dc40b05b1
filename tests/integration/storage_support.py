"""Shared pieces of the storage tests: a hand-moved UTC clock, databases, row scans on either
SQLite or PostgreSQL (the `database_url` fixture in tests/conftest.py gives one of each)."""

from __future__ import annotations

import sqlite3
from contextlib import asynccontextmanager, closing, contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import event, insert, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from vinbot.storage.engine import Database

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection

    from vinbot.storage.tables import Base

VIN = "1HGCM82633A004352"
OTHER_VIN = "1FTFW1ET5DFC10312"


class StatementCounter:
    """Counts the SQL statements of one kind (SELECT, INSERT…) that mention a text."""

    def __init__(self, kind: str, mentioning: str) -> None:
        self._kind = kind.upper()
        self._mentioning = mentioning
        self.count = 0

    def __call__(self, *args: object) -> None:
        statement = str(args[2])  # before_cursor_execute(conn, cursor, statement, …)
        if statement.lstrip().upper().startswith(self._kind) and self._mentioning in statement:
            self.count += 1


@contextmanager
def counting_statements(kind: str, mentioning: str) -> Iterator[StatementCounter]:
    """Count, while the block runs, the statements any engine in this process sends of this
    kind that mention this text."""
    counter = StatementCounter(kind, mentioning)
    event.listen(Engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(Engine, "before_cursor_execute", counter)


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


async def rows_mentioning_user(url: str, user_id: int) -> dict[str, int]:
    """Rows per table whose user column (users.id, or any *user_id column) holds user_id."""

    def scan(connection: Connection) -> dict[str, int]:
        found: dict[str, int] = {}
        inspector = inspect(connection)
        for table in inspector.get_table_names():
            columns = [column["name"] for column in inspector.get_columns(table)]
            user_columns = [c for c in columns if c == "user_id" or c.endswith("_user_id")]
            if table == "users":
                user_columns.append("id")
            for column in user_columns:
                count = connection.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {column} = :user"),  # noqa: S608 - names from the schema
                    {"user": user_id},
                ).scalar_one()
                if count:
                    found[f"{table}.{column}"] = count
        return found

    async with _connection(url) as connection:
        return await connection.run_sync(scan)


@asynccontextmanager
async def _connection(url: str) -> AsyncIterator[AsyncConnection]:
    """A connection of a plain engine (none of vinbot's engine code), committed on exit."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            yield connection
    finally:
        await engine.dispose()


async def scalar(url: str, sql: str, **params: object) -> object:
    """One value from the database, read through a plain engine (independent of vinbot's)."""
    async with _connection(url) as connection:
        row = (await connection.execute(text(sql), params)).first()
    return None if row is None else row[0]


async def column(url: str, sql: str, **params: object) -> list[object]:
    """The first column of every row a query returns, read through a plain engine."""
    async with _connection(url) as connection:
        return [row[0] for row in await connection.execute(text(sql), params)]


async def execute(url: str, *statements: str) -> None:
    """Run SQL statements (written to run on SQLite and PostgreSQL alike) in one transaction."""
    async with _connection(url) as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def insert_rows(url: str, table: type[Base], rows: list[dict[str, object]]) -> None:
    """Insert rows into a table of the schema (aware datetimes) in one transaction."""
    async with _connection(url) as connection:
        await connection.execute(insert(table), rows)


def stored_time(value: object) -> str:
    """A stored time as SQLite keeps it (naive UTC text), whichever database returned it
    (PostgreSQL gives a naive datetime from its TIMESTAMP WITHOUT TIME ZONE)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return str(value)


def sqlite_scalar(path: Path, sql: str, *params: object) -> object:
    """One value from a SQLite file, read with the stdlib driver (for SQLite-only checks)."""
    with closing(sqlite3.connect(path)) as connection:
        row = connection.execute(sql, params).fetchone()
    return None if row is None else row[0]
