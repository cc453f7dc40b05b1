"""The in-flight update journal's rows, read and written with blocking calls from its own thread."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, or_, select, update

from vinbot.storage.dialects import upsert_insert
from vinbot.storage.engine import (
    WRITE_OPTION,
    create_engine_for,
    create_sync_engine_for,
    is_sqlite,
)
from vinbot.storage.tables import UpdateJournalMarkRow, UpdateJournalRow

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence
    from datetime import datetime

    from sqlalchemy import Connection, Engine
    from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True, slots=True)
class JournaledUpdate:
    """One update still in the journal: its JSON and how a restart handled it again so far."""

    update_id: int
    payload: str
    attempts: int
    replayed_alone: bool


_FIELDS = (
    UpdateJournalRow.update_id,
    UpdateJournalRow.payload,
    UpdateJournalRow.attempts,
    UpdateJournalRow.replayed_alone,
)


@dataclass(frozen=True, slots=True)
class JournalMark:
    """The newest update id ever journaled, and when."""

    last_update_id: int
    recorded_at: datetime


class JournalStore(Protocol):
    """Where the journal keeps its rows; every call blocks, so only the journal thread calls."""

    def write(
        self, fetched: Sequence[tuple[int, str]], handled: Collection[int], now: datetime
    ) -> None:
        """In one transaction: add fetched (id, JSON) rows, move the mark, delete handled ids."""
        ...

    def unfinished(self) -> list[JournaledUpdate]:
        """This instance's rows still in the journal, oldest first."""
        ...

    def other_holders(self) -> list[str | None]:
        """The other instances with rows in the journal (None: rows from before holders)."""
        ...

    def adopt(self, holder: str | None) -> list[JournaledUpdate]:
        """Make `holder`'s rows this instance's, atomically; the rows taken, oldest first."""
        ...

    def mark(self) -> JournalMark | None:
        """The newest journaled update id, if any batch was ever written."""
        ...

    def begin_replay(self, update_ids: Collection[int], *, alone: bool) -> None:
        """Count one more attempt for rows about to be handled again (alone: just one row)."""
        ...

    def drop(self, update_ids: Collection[int]) -> None:
        """Delete rows (quarantined updates) outright."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


class SqlJournalStore:
    """The journal on the bot's database: SQLite through its own blocking engine; PostgreSQL
    through an async engine driven by an event loop private to the journal's thread.

    Every row carries its holder, the instance that received the update: several instances
    share one journal, and each replays only its own rows (and those it adopts from a dead one).
    """

    def __init__(self, url: str, holder: str) -> None:
        self.holder = holder
        self._dialect = "sqlite" if is_sqlite(url) else "postgresql"
        self._engine: Engine | None = None
        self._async_engine: AsyncEngine | None = None
        # Created on first use, in the journal's thread, which alone calls the store.
        self._runner: asyncio.Runner | None = None
        if self._dialect == "sqlite":
            self._engine = create_sync_engine_for(url)
        else:
            self._async_engine = create_engine_for(url, pool_size=1)

    def _run[T](self, work: Callable[[Connection], T], *, write: bool = False) -> T:
        """Run work(connection) in one transaction and return what it returns."""
        if self._engine is not None:
            options = {WRITE_OPTION: True} if write else {}
            connection = self._engine.connect().execution_options(**options)
            with connection, connection.begin():
                return work(connection)
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(self._run_async(work))

    async def _run_async[T](self, work: Callable[[Connection], T]) -> T:
        if self._async_engine is None:
            raise RuntimeError("the journal store is closed")
        async with self._async_engine.connect() as connection, connection.begin():
            return await connection.run_sync(work)

    def write(
        self, fetched: Sequence[tuple[int, str]], handled: Collection[int], now: datetime
    ) -> None:
        """In one transaction: add fetched (id, JSON) rows, move the mark, delete handled ids."""
        rows = [
            {
                "update_id": update_id,
                "payload": payload,
                "attempts": 0,
                "replayed_alone": False,
                "fetched_at": now,
                "holder": self.holder,
            }
            for update_id, payload in fetched
        ]
        dialect = self._dialect

        def work(connection: Connection) -> None:
            if rows:
                # A row already there is the same update, delivered again: its attempt count
                # must survive, and it is ours now (Telegram re-delivered it to this instance).
                insert = upsert_insert(dialect, UpdateJournalRow)
                connection.execute(
                    insert.on_conflict_do_update(
                        index_elements=["update_id"], set_={"holder": insert.excluded.holder}
                    ),
                    rows,
                )
            if fetched:
                newest = max(update_id for update_id, _ in fetched)
                mark = upsert_insert(dialect, UpdateJournalMarkRow).values(
                    id=1, last_update_id=newest, recorded_at=now
                )
                connection.execute(
                    mark.on_conflict_do_update(
                        index_elements=["id"],
                        set_={"last_update_id": newest, "recorded_at": now},
                        where=UpdateJournalMarkRow.last_update_id < newest,
                    )
                )
            if handled:
                connection.execute(
                    delete(UpdateJournalRow).where(UpdateJournalRow.update_id.in_(list(handled)))
                )

        self._run(work, write=True)

    def unfinished(self) -> list[JournaledUpdate]:
        """This instance's rows still in the journal, oldest first."""
        query = (
            select(*_FIELDS)
            .where(UpdateJournalRow.holder == self.holder)
            .order_by(UpdateJournalRow.update_id)
        )
        return self._run(
            lambda connection: [JournaledUpdate(*row) for row in connection.execute(query).all()]
        )

    def other_holders(self) -> list[str | None]:
        """The other instances with rows in the journal (None: rows from before holders)."""
        query = (
            select(UpdateJournalRow.holder)
            .where(or_(UpdateJournalRow.holder.is_(None), UpdateJournalRow.holder != self.holder))
            .distinct()
        )
        return self._run(lambda connection: list(connection.scalars(query).all()))

    def adopt(self, holder: str | None) -> list[JournaledUpdate]:
        """Make `holder`'s rows this instance's, atomically; the rows taken, oldest first.

        One UPDATE: of two instances adopting at once, the second finds the rows already moved
        (PostgreSQL re-checks the condition after the first one's commit; SQLite has one writer).
        """
        owned_by = (
            UpdateJournalRow.holder.is_(None)
            if holder is None
            else UpdateJournalRow.holder == holder
        )
        statement = (
            update(UpdateJournalRow).where(owned_by).values(holder=self.holder).returning(*_FIELDS)
        )

        def work(connection: Connection) -> list[JournaledUpdate]:
            rows = [JournaledUpdate(*row) for row in connection.execute(statement).all()]
            return sorted(rows, key=lambda row: row.update_id)

        return self._run(work, write=True)

    def mark(self) -> JournalMark | None:
        """The newest journaled update id, if any batch was ever written."""
        query = select(UpdateJournalMarkRow.last_update_id, UpdateJournalMarkRow.recorded_at)
        row = self._run(lambda connection: connection.execute(query).first())
        return None if row is None else JournalMark(*row)

    def begin_replay(self, update_ids: Collection[int], *, alone: bool) -> None:
        """Count one more attempt for rows about to be handled again (alone: just one row)."""
        statement = (
            update(UpdateJournalRow)
            .where(UpdateJournalRow.update_id.in_(list(update_ids)))
            .values(attempts=UpdateJournalRow.attempts + 1)
        )
        if alone:
            statement = statement.values(replayed_alone=True)
        self._run(lambda connection: connection.execute(statement), write=True)

    def drop(self, update_ids: Collection[int]) -> None:
        """Delete rows (quarantined updates) outright."""
        statement = delete(UpdateJournalRow).where(UpdateJournalRow.update_id.in_(list(update_ids)))
        self._run(lambda connection: connection.execute(statement), write=True)

    def close(self) -> None:
        """Release the connection (and the PostgreSQL event loop); safe to call twice."""
        if self._engine is not None:
            self._engine.dispose()
        async_engine, self._async_engine = self._async_engine, None
        runner, self._runner = self._runner, None
        if async_engine is not None:
            if runner is None:
                runner = asyncio.Runner()
            runner.run(async_engine.dispose())
        if runner is not None:
            runner.close()
