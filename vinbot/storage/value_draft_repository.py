"""/value drafts in the database: one row per (user, chat), read by whichever instance gets the
next answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, select

from vinbot.models.records import ValueDraft, ValueStep
from vinbot.storage.dialects import upsert_insert
from vinbot.storage.tables import ValueDraftRow

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from vinbot.storage.engine import SessionFactory


def value_draft_of(row: ValueDraftRow) -> ValueDraft:
    """The stored row as the service's record."""
    return ValueDraft(
        user_id=row.user_id,
        chat_id=row.chat_id,
        vin=row.vin,
        step=ValueStep(row.step),
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        mileage=row.mileage,
        state=row.state,
    )


class SqlValueDraftRepository:
    """Value drafts on SQLite or PostgreSQL; every call is one transaction."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def save(self, draft: ValueDraft) -> None:
        """Store the draft, replacing the (user, chat)'s previous one (one upsert)."""
        values = {
            "user_id": draft.user_id,
            "chat_id": draft.chat_id,
            "vin": draft.vin,
            "step": draft.step.value,
            "mileage": draft.mileage,
            "state": draft.state,
            "updated_at": draft.updated_at,
            "expires_at": draft.expires_at,
        }
        insert = upsert_insert(self._sessions.dialect, ValueDraftRow).values(**values)
        statement = insert.on_conflict_do_update(
            index_elements=[ValueDraftRow.user_id, ValueDraftRow.chat_id],
            set_={key: insert.excluded[key] for key in values if key not in {"user_id", "chat_id"}},
        )
        async with self._sessions.writing() as session:
            await session.execute(statement)

    async def get(self, user_id: int, chat_id: int, *, now: datetime) -> ValueDraft | None:
        """The (user, chat)'s draft unless it expired."""
        statement = select(ValueDraftRow).where(
            ValueDraftRow.user_id == user_id,
            ValueDraftRow.chat_id == chat_id,
            ValueDraftRow.expires_at > now,
        )
        async with self._sessions.reading() as session:
            row = (await session.scalars(statement)).first()
            return None if row is None else value_draft_of(row)

    async def take(self, user_id: int, chat_id: int, *, now: datetime) -> ValueDraft | None:
        """Delete the draft and return it (unless expired): of two instances taking it at once,
        one gets it (DELETE ... RETURNING)."""
        statement = (
            delete(ValueDraftRow)
            .where(ValueDraftRow.user_id == user_id, ValueDraftRow.chat_id == chat_id)
            .returning(ValueDraftRow)
        )
        async with self._sessions.writing() as session:
            row = (await session.scalars(statement)).first()
            return None if row is None or row.expires_at <= now else value_draft_of(row)

    async def take_expired(self, *, now: datetime) -> Sequence[ValueDraft]:
        """Delete the drafts that expired and return them (each to one caller only)."""
        statement = (
            delete(ValueDraftRow)
            .where(and_(ValueDraftRow.expires_at <= now))
            .returning(ValueDraftRow)
        )
        async with self._sessions.writing() as session:
            return [value_draft_of(row) for row in (await session.scalars(statement)).all()]

    async def keys(self) -> Sequence[tuple[int, int]]:
        """The (user, chat) of every stored draft, expired or not."""
        statement = select(ValueDraftRow.user_id, ValueDraftRow.chat_id)
        async with self._sessions.reading() as session:
            return [(user_id, chat_id) for user_id, chat_id in await session.execute(statement)]
