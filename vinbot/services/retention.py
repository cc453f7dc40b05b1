"""Retention: lookups older than HISTORY_DAYS are deleted."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from vinbot.logs import get_logger
from vinbot.models.records import utc_now

if TYPE_CHECKING:
    from vinbot.models.records import Clock
    from vinbot.storage.repositories import LookupRepository


class RetentionService:
    """Deletes history past its retention period; run it daily."""

    def __init__(self, lookups: LookupRepository, *, now: Clock = utc_now) -> None:
        self._lookups = lookups
        self._now = now
        self._log = get_logger(__name__)

    async def prune(self, older_than_days: int) -> int:
        """Delete lookups older than that many days and return how many; 0 keeps everything."""
        if older_than_days < 0:
            raise ValueError("older_than_days must be 0 (keep everything) or positive")
        if older_than_days == 0:
            return 0
        cutoff = self._now() - timedelta(days=older_than_days)
        deleted = await self._lookups.delete_older_than(cutoff)
        self._log.info("history_pruned", deleted=deleted, cutoff=cutoff.isoformat())
        return deleted
