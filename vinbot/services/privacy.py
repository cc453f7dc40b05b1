"""Privacy: /export gives a user everything stored about them, /forget deletes all of it."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Protocol

from vinbot.logs import get_logger
from vinbot.models.records import utc_now

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from vinbot.models.records import Clock, UserData
    from vinbot.storage.repositories import UserDataRepository


class PendingWrites(Protocol):
    """Something that may still hold a user's data in memory (history, the paid-call ledger)."""

    async def flush(self) -> None:
        """Wait until queued writes are stored."""
        ...


class PrivacyService:
    """Exports and erases one user's data; queued writes land first so nothing slips past."""

    def __init__(
        self,
        data: UserDataRepository,
        *,
        pending: Sequence[PendingWrites] = (),
        now: Clock = utc_now,
    ) -> None:
        self._data = data
        self._pending = tuple(pending)
        self._now = now
        self._log = get_logger(__name__)

    async def export_user(self, user_id: int) -> dict[str, object]:
        """Everything stored about the user, as a JSON-serialisable document."""
        await self._flush()
        return export_document(await self._data.collect(user_id), exported_at=self._now())

    async def forget_user(self, user_id: int) -> int:
        """Delete every row about the user but today's paid-call count (kept until the UTC day
        ends, so the daily quota still holds); returns how many rows went."""
        # A write still queued would bring rows back after the deletion.
        await self._flush()
        today = self._now().astimezone(UTC).date()
        deleted = await self._data.delete_all(user_id, keep_usage_from=today)
        self._log.info("user_forgotten", user_id=user_id, rows=deleted)
        return deleted

    async def _flush(self) -> None:
        for pending in self._pending:
            await pending.flush()


def export_document(data: UserData, *, exported_at: datetime) -> dict[str, object]:
    """The export as plain JSON types: ISO 8601 strings for times, lists for rows."""
    profile = data.profile
    return {
        "user_id": data.user_id,
        "exported_at": exported_at.isoformat(),
        "profile": None
        if profile is None
        else {
            "first_seen": profile.first_seen.isoformat(),
            "last_seen": profile.last_seen.isoformat(),
            "language_code": profile.language_code,
            "blocked_at": None if profile.blocked_at is None else profile.blocked_at.isoformat(),
        },
        "settings": None
        if profile is None
        else {
            "units": profile.settings.units,
            "recall_alerts": profile.settings.recall_alerts,
        },
        "lookups": [
            {
                "vin": lookup.vin,
                "provider": lookup.provider,
                "looked_up_at": lookup.looked_up_at.isoformat(),
                "year": lookup.year,
                "make": lookup.make,
                "model": lookup.model,
            }
            for lookup in data.lookups
        ],
        "garage": [
            {
                "vin": entry.vin,
                "nickname": entry.nickname,
                "added_at": entry.added_at.isoformat(),
            }
            for entry in data.garage
        ],
        "usage": [
            {"day": usage.day.isoformat(), "paid_calls": usage.paid_calls} for usage in data.usage
        ],
        "recall_notifications": [
            {
                "vin": notice.vin,
                "campaign_id": notice.campaign_id,
                "notified_at": notice.notified_at.isoformat(),
            }
            for notice in data.recall_notifications
        ],
    }
