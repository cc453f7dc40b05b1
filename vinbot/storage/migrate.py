"""Alembic, configured in code: upgrade a database to this release's schema in one transaction."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from vinbot.logs import get_logger
from vinbot.storage.engine import (
    WRITE_OPTION,
    create_engine_for,
    database_errors,
    database_path,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config for the migrations shipped inside the package (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        # ConfigParser interpolates %, which URL-encoded passwords or paths may contain.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest schema revision this release ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found in " + str(MIGRATIONS_DIR))
    return head


async def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database at url (created if absent) to revision; ConfigError if unusable."""
    log = get_logger(__name__)
    engine = create_engine_for(url, foreign_keys=False)
    try:
        path = database_path(url)
        if path is not None:
            await asyncio.to_thread(switch_to_wal, path)
        with database_errors(url):
            async with engine.connect() as connection:
                await connection.execution_options(**{WRITE_OPTION: True})
                async with connection.begin():
                    before, after = await connection.run_sync(_upgrade, url, revision)
    finally:
        await engine.dispose()
    if before != after:
        log.info("database_migrated", from_revision=before, to_revision=after)


# How long a new file's switch to WAL keeps trying while another process makes the same switch;
# the same as the connections' busy_timeout.
WAL_SWITCH_SECONDS = 10.0


def switch_to_wal(path: Path, *, within: float = WAL_SWITCH_SECONDS) -> bool:
    """Put the SQLite file at path (created if absent) in WAL mode, waiting for other processes;
    whether it is in WAL mode now.

    SQLite answers "database is locked" at once, without its busy timeout, when two connections
    switch one new file to WAL together (two instances starting on one empty database). Once
    the file is in WAL mode, the switch every connection makes is a no-op that cannot collide.
    Any other problem is left to the engine's first connection, which reports it in one line.
    """
    deadline = time.monotonic() + within
    pause = 0.005
    try:
        connection = sqlite3.connect(path, timeout=within, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        while True:
            try:
                (mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
                return str(mode).lower() == "wal"
            except sqlite3.Error as exc:
                if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                    return False
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
    finally:
        connection.close()


async def current_revision(url: str) -> str | None:
    """The schema revision the database at url is at, or None when it has none yet."""
    engine = create_engine_for(url)
    try:
        with database_errors(url):
            async with engine.connect() as connection:
                return await connection.run_sync(_revision_of)
    finally:
        await engine.dispose()


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


# Instances starting together on one PostgreSQL database migrate one after another: each
# upgrade holds this transaction-level advisory lock (a constant the bot alone uses).
MIGRATION_LOCK_ID = 0x76696E626F74  # "vinbot"


def _upgrade(connection: Connection, url: str, revision: str) -> tuple[str | None, str | None]:
    sqlite = connection.dialect.name == "sqlite"
    if not sqlite:
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    before = _revision_of(connection)
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    if not sqlite:
        # PostgreSQL checks foreign keys on every statement, migrations included.
        return before, _revision_of(connection)
    # SQLite's foreign keys are off while migrating; a violation now rolls the upgrade back.
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if violations:
        table = violations[0][0]
        raise RuntimeError(f"migration left {len(violations)} foreign key violations in {table}")
    return before, _revision_of(connection)
