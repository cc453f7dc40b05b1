"""Retention: lookups older than HISTORY_DAYS are deleted, and forgotten users' counts once
their day is over."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import TYPE_CHECKING

from vinbot.logs import get_logger
from vinbot.models.records import utc_now

if TYPE_CHECKING:
    from vinbot.models.records import Clock
    from vinbot.storage.repositories import LookupRepository, UsageRepository


class RetentionService:
    """Deletes history past its retention period; run it daily."""

    def __init__(
        self,
        lookups: LookupRepository,
        *,
        usage: UsageRepository | None = None,
        now: Clock = utc_now,
    ) -> None:
        self._lookups = lookups
        self._usage = usage
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

    async def prune_forgotten_usage(self) -> int:
        """Delete the paid-call counts /forget kept, once their UTC day is over; how many."""
        if self._usage is None:
            return 0
        deleted = await self._usage.delete_forgotten(self._now().astimezone(UTC).date())
        if deleted:
            self._log.info("forgotten_usage_pruned", deleted=deleted)
        return deleted
