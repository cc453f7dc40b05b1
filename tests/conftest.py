"""Shared pytest configuration: nothing here may touch the network.

`database_url` runs a test once on a SQLite file and once on a fresh database of the PostgreSQL
server this session starts (tests/postgres_server.py). The server starts at the first test that
asks for it and stops when the session ends; it is never skipped: when it cannot start, those
tests fail with the reason.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from tests.postgres_server import PostgresServer, fresh_postgres_database

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

# PTB 22 warns about integer retry_after unless opted into timedelta; tests treat warnings as
# errors and the bot's entry point opts in the same way.
os.environ.setdefault("PTB_TIMEDELTA", "true")

DIALECTS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server, started on first use and stopped at the end."""
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=DIALECTS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A URL to an empty database: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'v.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    async with fresh_postgres_database(server) as url:
        yield url
