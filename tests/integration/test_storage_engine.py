"""The engine: SQLite pragmas for a long-running server, start-up checks on SQLite and PostgreSQL,
one-line errors that never show a password."""

from __future__ import annotations

import os
import socket
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from vinbot.models.errors import ConfigError
from vinbot.storage.engine import Database, SessionFactory, create_engine_for

from .storage_support import execute, opened, scalar, sqlite_url

if TYPE_CHECKING:
    from pathlib import Path

    from tests.postgres_server import PostgresServer


async def test_initialize_creates_the_parent_folder_and_the_schema(tmp_path: Path) -> None:
    """A database in a folder that does not exist yet gets the folder and every table."""
    path = tmp_path / "nested" / "deeper" / "vinbot.db"
    async with opened(sqlite_url(path)):
        pass
    with closing(sqlite3.connect(path)) as connection:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert {"users", "lookups", "garage", "usage_daily", "usage_monthly", "known_recalls"} <= tables


async def test_connections_use_wal_normal_sync_foreign_keys_and_busy_timeout(
    tmp_path: Path,
) -> None:
    """Every pooled connection runs in WAL mode with synchronous=NORMAL, FKs on and a wait."""
    url = sqlite_url(tmp_path / "v.db")
    async with opened(url) as database, database.sessions.reading() as session:
        journal = (await session.execute(text("PRAGMA journal_mode"))).scalar_one()
        synchronous = (await session.execute(text("PRAGMA synchronous"))).scalar_one()
        foreign_keys = (await session.execute(text("PRAGMA foreign_keys"))).scalar_one()
        busy = (await session.execute(text("PRAGMA busy_timeout"))).scalar_one()
    assert (journal, synchronous, foreign_keys) == ("wal", 1, 1)
    assert busy >= 5000


async def test_sessions_run_inside_explicit_transactions(tmp_path: Path) -> None:
    """A read session is inside a real SQLite transaction, not the driver's autocommit."""
    engine = create_engine_for(sqlite_url(tmp_path / "v.db"))
    try:
        async with SessionFactory(engine).reading() as session:
            connection = await session.connection()
            raw = await connection.get_raw_connection()
            assert raw.driver_connection is not None
            assert raw.driver_connection.in_transaction
    finally:
        await engine.dispose()


async def test_initialize_twice_on_one_file_keeps_the_data(database_url: str) -> None:
    """Re-opening an up-to-date database (a restart) changes nothing and loses nothing."""
    async with opened(database_url) as database, database.sessions.reading() as session:
        await session.execute(text("SELECT 1"))
    await execute(
        database_url, "INSERT INTO usage_monthly (month, paid_calls) VALUES ('2025-03', 7)"
    )
    async with opened(database_url):
        pass
    assert await scalar(database_url, "SELECT paid_calls FROM usage_monthly") == 7


async def test_ping_answers_while_open_and_not_after_close(database_url: str) -> None:
    """ping() is True for an open database and False once it is closed (for /ready)."""
    database = Database(database_url)
    assert await database.ping() is False
    await database.initialize()
    assert await database.ping() is True
    await database.aclose()
    assert await database.ping() is False
    await database.aclose()


async def test_sessions_know_their_dialect(database_url: str) -> None:
    """The session factory names the dialect repositories pick their upserts by."""
    async with opened(database_url) as database:
        assert database.sessions.dialect == database_url.split("+", maxsplit=1)[0]


def test_sessions_before_initialize_is_a_programming_error(tmp_path: Path) -> None:
    """Using the session factory before initialize() fails loudly."""
    with pytest.raises(RuntimeError, match="initialize"):
        _ = Database(sqlite_url(tmp_path / "v.db")).sessions


def _assert_one_line(error: ConfigError) -> None:
    assert error.variable == "DATABASE_URL"
    assert "\n" not in str(error)
    assert str(error).startswith("DATABASE_URL")


async def test_a_folder_that_cannot_be_created_stops_start_up_with_one_line(
    tmp_path: Path,
) -> None:
    """A path below a regular file cannot hold a database: ConfigError naming DATABASE_URL."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(ConfigError) as caught:
        await Database(sqlite_url(blocker / "vinbot.db")).initialize()
    _assert_one_line(caught.value)
    assert "cannot be created" in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
async def test_a_read_only_folder_stops_start_up_with_one_line(tmp_path: Path) -> None:
    """A folder the bot may not write to: ConfigError naming DATABASE_URL, no traceback."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ConfigError) as caught:
            await Database(sqlite_url(folder / "vinbot.db")).initialize()
    finally:
        folder.chmod(0o700)
    _assert_one_line(caught.value)


async def test_a_database_opened_read_only_stops_start_up_with_one_line(tmp_path: Path) -> None:
    """A file SQLite can only read (here forced with mode=ro) is refused at start-up."""
    path = tmp_path / "vinbot.db"
    async with opened(sqlite_url(path)):
        pass
    with pytest.raises(ConfigError) as caught:
        await Database(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true").initialize()
    _assert_one_line(caught.value)
    assert "not writable" in str(caught.value)


async def test_a_file_that_is_not_a_database_stops_start_up_with_one_line(
    tmp_path: Path,
) -> None:
    """Garbage where the database should be: ConfigError saying it is not a SQLite database."""
    path = tmp_path / "vinbot.db"
    path.write_bytes(b"this is a text file, not SQLite\n" * 200)
    with pytest.raises(ConfigError) as caught:
        await Database(sqlite_url(path)).initialize()
    _assert_one_line(caught.value)
    assert "not a usable SQLite database" in str(caught.value)
    assert path.read_bytes().startswith(b"this is a text file")


async def test_a_schema_newer_than_this_release_stops_start_up_with_one_line(
    database_url: str,
) -> None:
    """A database migrated by a newer vinbot is refused rather than guessed at."""
    async with opened(database_url):
        pass
    await execute(database_url, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(ConfigError) as caught:
        await Database(database_url).initialize()
    _assert_one_line(caught.value)
    assert "schema this release does not know" in str(caught.value)


async def test_a_postgresql_server_that_does_not_answer_stops_start_up_with_one_line(
    postgres_server: PostgresServer,
) -> None:
    """Nothing listening on the URL's port: one line naming DATABASE_URL, password hidden."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    url = postgres_server.url().replace(f":{postgres_server.port}/", f":{closed_port}/")
    with pytest.raises(ConfigError) as caught:
        await Database(url).initialize()
    _assert_one_line(caught.value)
    assert postgres_server.password not in str(caught.value)
    assert "***" in str(caught.value)


async def test_a_wrong_postgresql_password_stops_start_up_with_one_line(
    postgres_server: PostgresServer,
) -> None:
    """A refused login is one line that names neither the wrong password nor the right one."""
    url = postgres_server.url().replace(postgres_server.password, "not-the-password")
    with pytest.raises(ConfigError) as caught:
        await Database(url).initialize()
    _assert_one_line(caught.value)
    assert "password authentication failed" in str(caught.value)
    assert "not-the-password" not in str(caught.value)
    assert postgres_server.password not in str(caught.value)


async def test_an_in_memory_url_is_refused() -> None:
    """sqlite+aiosqlite:// (memory) would silently forget everything, so it is a ConfigError."""
    with pytest.raises(ConfigError) as caught:
        await Database("sqlite+aiosqlite://").initialize()
    _assert_one_line(caught.value)


async def test_a_url_that_is_not_a_url_stops_start_up_with_one_line() -> None:
    """A malformed DATABASE_URL is a ConfigError, not a SQLAlchemy traceback."""
    with pytest.raises(ConfigError) as caught:
        await Database("not a url at all").initialize()
    assert caught.value.variable == "DATABASE_URL"
    assert "\n" not in str(caught.value)
