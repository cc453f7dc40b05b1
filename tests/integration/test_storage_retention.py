"""Retention: lookups older than HISTORY_DAYS are pruned, newer ones kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from vinbot.services.history import HistoryRecorder
from vinbot.services.retention import RetentionService
from vinbot.storage.repositories import SqlLookupRepository

from .storage_support import VIN, FakeClock, opened

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vinbot.storage.engine import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with opened(database_url) as database:
        yield database


async def test_prune_deletes_only_lookups_older_than_the_period(database: Database) -> None:
    """With 90 days, a lookup 91 days old goes and ones 89 days old and today stay."""
    clock = FakeClock()
    lookups = SqlLookupRepository(database.sessions)
    recorder = HistoryRecorder(lookups, now=clock)
    for age_days, year in ((91, 1991), (89, 1989), (0, 2000)):
        clock.advance(days=-age_days)
        recorder.record(1, f"{VIN[:-4]}{year}", "nhtsa", year=year)
        clock.advance(days=age_days)
    await recorder.aclose()
    deleted = await RetentionService(lookups, now=clock).prune(90)
    assert deleted == 1
    assert sorted(r.year for r in await lookups.recent(1, 10) if r.year) == [1989, 2000]
    assert await RetentionService(lookups, now=clock).prune(90) == 0


async def test_zero_days_keeps_everything(database: Database) -> None:
    """HISTORY_DAYS=0 means no retention limit: nothing is pruned."""
    clock = FakeClock()
    lookups = SqlLookupRepository(database.sessions)
    recorder = HistoryRecorder(lookups, now=clock)
    clock.advance(days=-4000)
    recorder.record(1, VIN, "nhtsa")
    await recorder.aclose()
    assert await RetentionService(lookups).prune(0) == 0
    assert len(await lookups.recent(1, 10)) == 1
