"""The flood guard's counts in the database: one atomic upsert per attempt, pruned as it goes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, func, update

from vinbot.storage.dialects import upsert_insert
from vinbot.storage.tables import FloodCountRow

if TYPE_CHECKING:
    from vinbot.storage.engine import SessionFactory

_MAX_PLACE_LENGTH = 16


class SqlWindowCounter:
    """A `WindowCounter` in flood_counts: INSERT ... ON CONFLICT DO UPDATE hits = hits + 1."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._pruned_window: int | None = None

    async def hit(self, user_id: int, window: int, window_seconds: float) -> int | None:
        """Count one attempt; the first attempt this process counts in a window prunes the old."""
        del window_seconds  # rows are pruned by window number instead
        insert = upsert_insert(self._sessions.dialect, FloodCountRow).values(
            user_id=user_id, window=window, hits=1, told=""
        )
        statement = insert.on_conflict_do_update(
            index_elements=[FloodCountRow.user_id, FloodCountRow.window],
            set_={"hits": FloodCountRow.hits + 1},
        ).returning(FloodCountRow.hits)
        async with self._sessions.writing() as session:
            hits = (await session.execute(statement)).scalar_one()
            if self._pruned_window != window:
                self._pruned_window = window
                await session.execute(delete(FloodCountRow).where(FloodCountRow.window < window))
        return int(hits)

    async def first_notice(
        self, user_id: int, window: int, where: str, window_seconds: float
    ) -> bool | None:
        """Add the place to the row's `told` list unless it is there: one conditional UPDATE."""
        del window_seconds
        place = f" {where[:_MAX_PLACE_LENGTH]} "
        statement = (
            update(FloodCountRow)
            .where(
                FloodCountRow.user_id == user_id,
                FloodCountRow.window == window,
                func.instr(FloodCountRow.told, place) == 0
                if self._sessions.dialect == "sqlite"
                else func.strpos(FloodCountRow.told, place) == 0,
                func.length(FloodCountRow.told) + len(place) <= 64,  # noqa: PLR2004
            )
            .values(told=FloodCountRow.told + place)
            .returning(FloodCountRow.user_id)
        )
        async with self._sessions.writing() as session:
            return (await session.execute(statement)).first() is not None
