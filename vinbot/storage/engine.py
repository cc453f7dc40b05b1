"""The database engine (SQLite tuned for a long-running server, or PostgreSQL), explicit
transactions, and the Database."""

from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from vinbot.logs import get_logger
from vinbot.models.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from sqlalchemy.engine import Connection

# A connection execution option: the transaction will write, so take the write lock up front.
WRITE_OPTION = "vinbot_write"

_CONNECT_PRAGMAS = (
    # Milliseconds SQLite waits for another process's write lock before "database is locked".
    "PRAGMA busy_timeout = 10000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
)


def _parsed(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL", f"DATABASE_URL is not a database URL: {redact_url(url)!r}"
        ) from None


def redact_url(url: str) -> str:
    """The URL with its password (if any) replaced, fit for a log line or an error."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        scheme, sep, _rest = url.partition("://")
        return f"{scheme}{sep}..." if sep else "(not a URL)"


def is_sqlite(url: str) -> bool:
    """Whether the URL names a SQLite database (else PostgreSQL)."""
    return _parsed(url).get_backend_name() == "sqlite"


def database_path(url: str) -> Path | None:
    """The file a SQLite URL points at; None for an in-memory or a PostgreSQL database."""
    parsed = _parsed(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


POOL_SIZE = 8


def create_engine_for(
    url: str, *, foreign_keys: bool = True, pool_size: int = POOL_SIZE
) -> AsyncEngine:
    """An async engine; on SQLite its connections use WAL, synchronous=NORMAL, a busy timeout
    and FKs (PostgreSQL always checks foreign keys)."""
    if not is_sqlite(url):
        # pre_ping: a server restart or a failover leaves dead connections in the pool.
        return create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=True)
    path = database_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                "DATABASE_URL",
                f"DATABASE_URL points into {path.parent}, which cannot be created "
                f"({exc.strerror or exc})",
            ) from None
    # A fixed pool: overflow connections would each open (and close) their own thread.
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0)
    event.listen(engine.sync_engine, "connect", _pragma_setter(foreign_keys=foreign_keys))
    event.listen(engine.sync_engine, "begin", _begin)
    return engine


def create_sync_engine_for(url: str) -> Engine:
    """A blocking engine on the same SQLite file and pragmas, for code in its own thread."""
    engine = create_engine(make_url(url).set(drivername="sqlite"), pool_size=1, max_overflow=0)
    event.listen(engine, "connect", _pragma_setter(foreign_keys=True))
    event.listen(engine, "begin", _begin)
    return engine


def _pragma_setter(*, foreign_keys: bool) -> Callable[[Any, object], None]:
    # Migrations run with foreign keys off, as SQLite advises for schema changes (a table
    # rebuilt by a batch migration would otherwise cascade deletes), and check them after.
    pragmas = (
        *_CONNECT_PRAGMAS,
        "PRAGMA foreign_keys = ON" if foreign_keys else "PRAGMA foreign_keys = OFF",
    )

    def set_pragmas(dbapi_connection: Any, _record: object) -> None:
        # The driver's own implicit BEGIN skips SELECT and DDL; _begin emits BEGIN instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    return set_pragmas


def _begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at BEGIN, where the busy timeout applies; a deferred
    # transaction upgrading from read to write can fail at once with "database is locked".
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


class SessionFactory:
    """Sessions in explicit transactions; writers queue in the event loop, not in SQLite."""

    def __init__(self, engine: AsyncEngine) -> None:
        # "sqlite" or "postgresql": statements that differ by dialect (upserts) pick by it.
        self.dialect = engine.dialect.name
        # Loaded values stay usable after commit: they are turned into domain objects then.
        self._maker = async_sessionmaker(engine, expire_on_commit=False)
        # Writers wait here rather than each holding a pooled connection inside SQLite's busy
        # handler, so a burst of writes neither starves reads of connections nor polls the lock.
        self._write_gate = asyncio.Lock()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session in a read transaction, closed on exit."""
        async with self._maker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction (BEGIN IMMEDIATE on SQLite), committed on a clean
        exit."""
        async with self._write_gate, self._maker() as session, session.begin():
            await session.connection(execution_options={WRITE_OPTION: True})
            yield session

    @asynccontextmanager
    async def writing_unqueued(self) -> AsyncIterator[AsyncSession]:
        """A write transaction that waits for no other writer of this process where the database
        runs writers side by side (PostgreSQL); on SQLite the same as `writing`. For one short
        statement with a deadline of its own (the webhook route's delivery marks)."""
        if self.dialect == "sqlite":
            async with self.writing() as session:
                yield session
            return
        async with self._maker() as session, session.begin():
            yield session


_WHITESPACE = re.compile(r"\s+")


def _problem(url: str, reason: str) -> ConfigError:
    path = database_path(url)
    where = str(path) if path is not None else redact_url(url)
    line = _WHITESPACE.sub(" ", f"DATABASE_URL points at {where}, which {reason}").strip()
    return ConfigError("DATABASE_URL", line)


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn a database that cannot be opened, written or migrated into a one-line ConfigError."""
    try:
        yield
    except DBAPIError as exc:
        detail = str(exc.orig) if exc.orig is not None else str(exc)
        lowered = detail.lower()
        if not is_sqlite(url):
            raise _problem(url, f"failed: {detail}") from None
        if "not a database" in lowered or "malformed" in lowered:
            raise _problem(url, f"is not a usable SQLite database ({detail})") from None
        if "unable to open" in lowered:
            raise _problem(url, f"cannot be opened; check the permissions ({detail})") from None
        if "readonly" in lowered or "read-only" in lowered:
            raise _problem(url, f"is not writable ({detail})") from None
        raise _problem(url, f"failed: {detail}") from None
    except CommandError as exc:
        raise _problem(
            url,
            f"has a schema this release does not know; upgrade vinbot or use another file ({exc})",
        ) from None
    except OSError as exc:
        raise _problem(url, f"cannot be used ({exc.strerror or exc})") from None


class Database:
    """One SQLite file or PostgreSQL database: migrated and checked at start-up, a session
    factory while running."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._engine: AsyncEngine | None = None
        self._sessions: SessionFactory | None = None
        self._log = get_logger(__name__)

    @property
    def url(self) -> str:
        """The DATABASE_URL this database was opened from."""
        return self._url

    @property
    def sessions(self) -> SessionFactory:
        """The session factory repositories use; only after initialize()."""
        if self._sessions is None:
            raise RuntimeError("Database.initialize() must run before sessions are used")
        return self._sessions

    async def initialize(self) -> None:
        """Apply migrations, open the engine and check the file; ConfigError if unusable."""
        if self._engine is not None:
            return
        if is_sqlite(self._url) and database_path(self._url) is None and "file:" not in self._url:
            raise ConfigError(
                "DATABASE_URL",
                "DATABASE_URL must name a database file; an in-memory database loses "
                "every row when the bot stops",
            )
        # migrate.py imports this module for the engine, so the import waits until here.
        from vinbot.storage.migrate import migrate  # noqa: PLC0415

        await migrate(self._url)
        engine = create_engine_for(self._url)
        try:
            with database_errors(self._url):
                await _check(engine, self._url)
        except BaseException:
            await engine.dispose()
            raise
        self._engine = engine
        self._sessions = SessionFactory(engine)
        path = database_path(self._url)
        self._log.info(
            "database_ready",
            dialect=engine.dialect.name,
            path=str(path) if path is not None else redact_url(self._url),
        )

    async def ping(self) -> bool:
        """Whether a query answers now (for /ready)."""
        if self._engine is None:
            return False
        try:
            async with self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - a health probe reports, it never raises
            self._log.warning("database_ping_failed", error=repr(exc))
            return False
        return True

    async def aclose(self) -> None:
        """Close every pooled connection; safe to call twice."""
        engine, self._engine, self._sessions = self._engine, None, None
        if engine is not None:
            await engine.dispose()


async def _check(engine: AsyncEngine, url: str) -> None:
    if engine.dialect.name != "sqlite":
        # PostgreSQL checks its own pages; the write below proves the role may write.
        await _check_writable(engine)
        return
    async with engine.connect() as connection:
        verdict = (await connection.exec_driver_sql("PRAGMA quick_check")).scalar_one()
    if verdict != "ok":
        raise _problem(url, f"failed PRAGMA quick_check ({verdict})")
    # A file SQLite could only open read-only passes everything above; prove a write works.
    await _check_writable(engine)


async def _check_writable(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execution_options(**{WRITE_OPTION: True})
        async with connection.begin() as transaction:
            await connection.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
            await transaction.rollback()
