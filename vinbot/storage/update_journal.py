"""The in-flight update journal's rows, read and written with blocking calls from its own thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.sqlite import insert

from vinbot.storage.engine import WRITE_OPTION, create_sync_engine_for
from vinbot.storage.tables import UpdateJournalMarkRow, UpdateJournalRow

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import datetime

    from sqlalchemy import Connection


@dataclass(frozen=True, slots=True)
class JournaledUpdate:
    """One update still in the journal: its JSON and how a restart handled it again so far."""

    update_id: int
    payload: str
    attempts: int
    replayed_alone: bool


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
        """Every row still in the journal, oldest first."""
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
    """The journal on the bot's SQLite file, through its own blocking engine."""

    def __init__(self, url: str) -> None:
        self._engine = create_sync_engine_for(url)

    def _writing(self) -> Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: True})

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
            }
            for update_id, payload in fetched
        ]
        with self._writing() as connection, connection.begin():
            if rows:
                # A row already there is the same update; its attempt count must survive.
                connection.execute(insert(UpdateJournalRow).on_conflict_do_nothing(), rows)
            if fetched:
                newest = max(update_id for update_id, _ in fetched)
                mark = insert(UpdateJournalMarkRow).values(
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

    def unfinished(self) -> list[JournaledUpdate]:
        """Every row still in the journal, oldest first."""
        query = select(
            UpdateJournalRow.update_id,
            UpdateJournalRow.payload,
            UpdateJournalRow.attempts,
            UpdateJournalRow.replayed_alone,
        ).order_by(UpdateJournalRow.update_id)
        with self._engine.connect() as connection, connection.begin():
            return [JournaledUpdate(*row) for row in connection.execute(query).all()]

    def mark(self) -> JournalMark | None:
        """The newest journaled update id, if any batch was ever written."""
        query = select(UpdateJournalMarkRow.last_update_id, UpdateJournalMarkRow.recorded_at)
        with self._engine.connect() as connection, connection.begin():
            row = connection.execute(query).first()
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
        with self._writing() as connection, connection.begin():
            connection.execute(statement)

    def drop(self, update_ids: Collection[int]) -> None:
        """Delete rows (quarantined updates) outright."""
        statement = delete(UpdateJournalRow).where(UpdateJournalRow.update_id.in_(list(update_ids)))
        with self._writing() as connection, connection.begin():
            connection.execute(statement)

    def close(self) -> None:
        """Release the connection."""
        self._engine.dispose()
