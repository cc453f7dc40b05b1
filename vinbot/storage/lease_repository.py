"""Leases in the database: a named right held by one instance until it expires.

Taking and renewing are one statement, atomic on SQLite and PostgreSQL alike:

    INSERT INTO leases (name, holder, expires_at) VALUES (:name, :me, :until)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
    WHERE leases.holder = excluded.holder OR leases.expires_at <= :now
    RETURNING holder

A row comes back only when the lease is ours now: free, expired, or already ours (a renewal).
PostgreSQL's unique index makes a second taker wait for the first one's transaction and then
see its row; SQLite runs one writer at a time. Times come from the instances' clocks (kept by
NTP): a lease's length should be far above any plausible skew.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select

from vinbot.storage.dialects import upsert_insert
from vinbot.storage.tables import LeaseRow

if TYPE_CHECKING:
    from datetime import datetime

    from vinbot.storage.engine import SessionFactory


class SqlLeaseRepository:
    """Leases on SQLite or PostgreSQL; every call is one transaction."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def take(self, name: str, holder: str, *, now: datetime, until: datetime) -> bool:
        """Take or renew the lease until `until`; False when another holder's has not expired."""
        insert = upsert_insert(self._sessions.dialect, LeaseRow).values(
            name=name, holder=holder, expires_at=until
        )
        statement = insert.on_conflict_do_update(
            index_elements=[LeaseRow.name],
            set_={"holder": insert.excluded.holder, "expires_at": insert.excluded.expires_at},
            where=or_(LeaseRow.holder == insert.excluded.holder, LeaseRow.expires_at <= now),
        ).returning(LeaseRow.holder)
        async with self._sessions.writing() as session:
            return (await session.execute(statement)).first() is not None

    async def release(self, name: str, holder: str) -> None:
        """Give the lease up if it is ours, so another instance need not wait for its expiry."""
        async with self._sessions.writing() as session:
            await session.execute(
                delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder)
            )

    async def holder(self, name: str, *, now: datetime) -> str | None:
        """Who holds the lease now (None: nobody, or it expired)."""
        statement = select(LeaseRow.holder).where(LeaseRow.name == name, LeaseRow.expires_at > now)
        async with self._sessions.reading() as session:
            return (await session.scalars(statement)).first()
