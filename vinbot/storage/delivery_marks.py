"""Webhook delivery marks in the database: the route's `ClaimStore` when instances share a
PostgreSQL database and no Upstash.

Adding a mark is one statement, atomic on SQLite and PostgreSQL alike (Upstash's SET NX PX):

    INSERT INTO delivery_marks (key, value, expires_at) VALUES (:key, :value, :until)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
    WHERE delivery_marks.expires_at <= :now
    RETURNING key

A row comes back only when the key was free or its mark had expired. As with the Upstash cache,
every call is bounded by a timeout and a failure is logged and taken as "unsure" (None) or
ignored, never raised: a database that fails never refuses an update, the process decides alone.
Expired marks are deleted in bounded batches (`delete_expired`, run every few minutes).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import delete, select

from vinbot.logs import get_logger
from vinbot.models.records import utc_now
from vinbot.storage.dialects import upsert_insert
from vinbot.storage.tables import DeliveryMarkRow

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from vinbot.models.records import Clock
    from vinbot.storage.engine import SessionFactory

# The route waits for these before its 200: a database slower than this is not waited for.
TIMEOUT_SECONDS: Final = 2.0

log = get_logger(__name__)


class SqlDeliveryMarks:
    """Marks with an expiry in `delivery_marks`; never raises, never waits past the timeout."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        timeout: float = TIMEOUT_SECONDS,
        now: Clock = utc_now,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._sessions = sessions
        self._timeout = timeout
        self._now = now

    async def add(self, key: str, value: str, ttl_ms: int) -> bool | None:
        """Store the mark unless an unexpired one is there; whether it was stored, None when the
        database failed."""
        now = self._now()
        insert = upsert_insert(self._sessions.dialect, DeliveryMarkRow).values(
            key=key, value=value, expires_at=now + timedelta(milliseconds=ttl_ms)
        )
        statement = insert.on_conflict_do_update(
            index_elements=[DeliveryMarkRow.key],
            set_={"value": insert.excluded.value, "expires_at": insert.excluded.expires_at},
            where=DeliveryMarkRow.expires_at <= now,
        ).returning(DeliveryMarkRow.key)

        async def run() -> bool:
            async with self._sessions.writing_unqueued() as session:
                return (await session.execute(statement)).first() is not None

        return await self._run("add", run)

    async def get(self, key: str) -> str | None:
        """The mark's value, None when absent, expired, or the database failed."""
        statement = select(DeliveryMarkRow.value).where(
            DeliveryMarkRow.key == key, DeliveryMarkRow.expires_at > self._now()
        )

        async def run() -> str | None:
            async with self._sessions.reading() as session:
                return (await session.scalars(statement)).first()

        return await self._run("get", run)

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        """Store the mark for ttl_seconds, whatever was there (one upsert)."""
        insert = upsert_insert(self._sessions.dialect, DeliveryMarkRow).values(
            key=key, value=value, expires_at=self._now() + timedelta(seconds=ttl_seconds)
        )
        statement = insert.on_conflict_do_update(
            index_elements=[DeliveryMarkRow.key],
            set_={"value": insert.excluded.value, "expires_at": insert.excluded.expires_at},
        )

        async def run() -> None:
            async with self._sessions.writing_unqueued() as session:
                await session.execute(statement)

        await self._run("set", run)

    async def delete(self, key: str) -> None:
        """Remove the mark if present."""

        async def run() -> None:
            async with self._sessions.writing_unqueued() as session:
                await session.execute(delete(DeliveryMarkRow).where(DeliveryMarkRow.key == key))

        await self._run("delete", run)

    async def delete_expired(self, limit: int) -> int | None:
        """Delete at most `limit` expired marks (the oldest first); how many, None on failure."""
        expired = DeliveryMarkRow.expires_at <= self._now()
        oldest = (
            select(DeliveryMarkRow.key)
            .where(expired)
            .order_by(DeliveryMarkRow.expires_at)
            .limit(limit)
        )
        # Expiry checked again on the row deleted: PostgreSQL re-reads a row `add` re-claimed
        # meanwhile (a new expiry) but keeps the subquery's keys, so a live mark would go.
        statement = (
            delete(DeliveryMarkRow)
            .where(DeliveryMarkRow.key.in_(oldest.scalar_subquery()), expired)
            .returning(DeliveryMarkRow.key)
        )

        async def run() -> int:
            async with self._sessions.writing_unqueued() as session:
                return len((await session.execute(statement)).all())

        return await self._run("delete_expired", run)

    async def _run[T](self, op: str, command: Callable[[], Awaitable[T]]) -> T | None:
        try:
            async with asyncio.timeout(self._timeout):
                return await command()
        except Exception as error:  # noqa: BLE001 - a failing database must not refuse updates
            fields: dict[str, object] = {"op": op, "error": type(error).__name__}
            if isinstance(error, TimeoutError):
                fields["timeout_seconds"] = self._timeout
            log.warning("delivery_mark_error", **fields)
            return None
