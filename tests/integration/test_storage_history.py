"""Lookup history: background writes with retries, /history newest first, nothing lost silently."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from structlog.testing import capture_logs

from vinbot.models.records import NewLookup
from vinbot.services.history import HistoryRecorder
from vinbot.storage.repositories import SqlLookupRepository

from .storage_support import OTHER_VIN, VIN, FakeClock, opened, scalar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from vinbot.models.records import LookupRecord
    from vinbot.storage.engine import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with opened(database_url) as database:
        yield database


class FlakyLookups:
    """A LookupRepository that fails a set number of times, then stores in memory."""

    def __init__(self, failures: int, delay: float = 0.0) -> None:
        self.failures = failures
        self.delay = delay
        self.calls = 0
        self.stored: list[NewLookup] = []

    async def add_many(self, lookups: Sequence[NewLookup]) -> list[int]:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.failures > 0:
            self.failures -= 1
            raise OSError("disk I/O error")
        self.stored.extend(lookups)
        return list(range(len(self.stored) - len(lookups) + 1, len(self.stored) + 1))

    async def recent(self, user_id: int, limit: int) -> list[LookupRecord]:
        return []

    async def delete_older_than(self, cutoff: object) -> int:
        return 0


async def test_history_is_the_last_ten_lookups_newest_first(database: Database) -> None:
    """recent() gives the user's 10 latest lookups, newest first, and nobody else's."""
    clock = FakeClock()
    recorder = HistoryRecorder(SqlLookupRepository(database.sessions), now=clock)
    for n in range(12):
        recorder.record(7, f"{VIN[:-2]}{n:02d}", "nhtsa", year=2000 + n, make="HONDA")
        recorder.record(8, VIN, "carsxe")
        clock.advance(minutes=1)
    recent = await recorder.recent(7)
    await recorder.aclose()
    assert [r.year for r in recent] == list(range(2011, 2001, -1))
    assert {r.user_id for r in recent} == {7}
    assert recent[0].looked_up_at == clock.now - timedelta(minutes=1)


async def test_record_returns_before_the_write_and_flush_waits_for_it() -> None:
    """record() does not wait on a slow database; flush() does, and then the row is there."""
    lookups = FlakyLookups(failures=0, delay=0.2)
    recorder = HistoryRecorder(lookups)
    recorder.record(1, VIN, "nhtsa", year=2003, make="HONDA", model="Accord")
    assert lookups.stored == []
    await recorder.flush()
    assert [(s.user_id, s.vin, s.model) for s in lookups.stored] == [(1, VIN, "Accord")]
    await recorder.aclose()


async def test_a_failed_write_is_retried_until_it_lands() -> None:
    """Two failures then success: the lookup is stored once and the retries are logged."""
    lookups = FlakyLookups(failures=2)
    recorder = HistoryRecorder(lookups, retry_delay=0.001)
    with capture_logs() as logs:
        recorder.record(1, VIN, "nhtsa")
        await recorder.flush()
    await recorder.aclose()
    assert len(lookups.stored) == 1
    assert lookups.calls == 3
    assert [e["event"] for e in logs] == ["lookup_write_retry", "lookup_write_retry"]


async def test_a_write_that_keeps_failing_is_logged_never_raised() -> None:
    """After the last attempt each lost lookup is logged at error level with its fields."""
    lookups = FlakyLookups(failures=100)
    recorder = HistoryRecorder(lookups, attempts=3, retry_delay=0.001)
    with capture_logs() as logs:
        recorder.record(1, VIN, "nhtsa")
        recorder.record(2, VIN, "carsxe")
        await recorder.flush()
        recorder.record(3, VIN, "nhtsa")  # the worker survives the failure
        await recorder.flush()
    await recorder.aclose()
    lost = [e for e in logs if e["event"] == "lookup_not_recorded"]
    assert [(e["user_id"], e["log_level"]) for e in lost] == [
        (1, "error"),
        (2, "error"),
        (3, "error"),
    ]
    assert all(e["vin"] == VIN and "disk I/O error" in e["reason"] for e in lost)


async def test_close_writes_what_is_queued_and_logs_later_lookups(database: Database) -> None:
    """aclose() lands every queued lookup; a lookup recorded after close is logged, not lost."""
    recorder = HistoryRecorder(SqlLookupRepository(database.sessions))
    for user_id in range(5):
        recorder.record(user_id + 1, VIN, "nhtsa")
    await recorder.aclose()
    with capture_logs() as logs:
        recorder.record(9, VIN, "nhtsa")
    count = await SqlLookupRepository(database.sessions).recent(1, 10)
    assert len(count) == 1
    assert [(e["event"], e["reason"]) for e in logs] == [("lookup_not_recorded", "recorder closed")]


async def test_a_full_queue_logs_the_lookup_instead_of_blocking_the_reply() -> None:
    """Past max_pending a lookup is logged as not recorded and record() still returns at once."""
    lookups = FlakyLookups(failures=0, delay=0.05)
    recorder = HistoryRecorder(lookups, max_pending=2, batch_size=1)
    with capture_logs() as logs:
        for user_id in range(4):
            recorder.record(user_id, VIN, "nhtsa")
    await recorder.aclose()
    assert len(lookups.stored) == 2
    assert [e["reason"] for e in logs if e["event"] == "lookup_not_recorded"] == [
        "queue full",
        "queue full",
    ]


async def test_200_lookups_from_50_users_at_once_all_land(
    database: Database, database_url: str
) -> None:
    """A burst of 200 lookups from 50 users is fully stored: no "database is locked" escapes."""
    recorder = HistoryRecorder(SqlLookupRepository(database.sessions), batch_size=7)

    async def user(user_id: int) -> None:
        for n in range(4):
            recorder.record(user_id, f"{VIN[:-1]}{n}", "nhtsa", year=2000 + n)
            await asyncio.sleep(0)

    await asyncio.gather(*(user(user_id) for user_id in range(1, 51)))
    await recorder.flush()
    per_user = await recorder.recent(17)
    await recorder.aclose()
    assert await scalar(database_url, "SELECT count(*) FROM lookups") == 200
    assert await scalar(database_url, "SELECT count(DISTINCT user_id) FROM lookups") == 50
    assert sorted(r.year or 0 for r in per_user) == [2000, 2001, 2002, 2003]


async def test_the_same_vin_again_updates_its_row_and_moves_it_to_the_top(
    database: Database, database_url: str
) -> None:
    """A VIN looked up again (in a later batch or the same one) keeps one row, with the
    latest time and answer, and comes first in recent()."""
    clock = FakeClock()
    lookups = SqlLookupRepository(database.sessions)
    recorder = HistoryRecorder(lookups, now=clock)
    recorder.record(7, VIN, "nhtsa", year=2003)
    clock.advance(minutes=1)
    await recorder.flush()
    recorder.record(7, OTHER_VIN, "nhtsa", year=2013)
    clock.advance(minutes=1)
    recorder.record(7, VIN, "carsxe", year=2003, make="HONDA")
    recorder.record(8, VIN, "nhtsa")
    recent = await recorder.recent(7)
    clock.advance(minutes=1)
    ids = await lookups.add_many(
        [
            NewLookup(user_id=9, vin=VIN, provider="nhtsa", looked_up_at=clock.now),
            NewLookup(user_id=9, vin=VIN, provider="carsxe", looked_up_at=clock.now),
        ]
    )
    await recorder.aclose()

    assert [(r.vin, r.provider, r.make) for r in recent] == [
        (VIN, "carsxe", "HONDA"),
        (OTHER_VIN, "nhtsa", None),
    ]
    assert recent[0].looked_up_at == clock.now - timedelta(minutes=1)
    assert await scalar(database_url, "SELECT count(*) FROM lookups WHERE user_id = 7") == 2
    assert await scalar(database_url, "SELECT count(*) FROM lookups WHERE user_id = 8") == 1
    assert ids[0] == ids[1]
    assert [r.provider for r in await lookups.recent(9, 10)] == ["carsxe"]


async def test_history_is_capped_per_user_keeping_the_newest(
    database: Database, database_url: str
) -> None:
    """With a cap of 3, each user keeps their 3 newest lookups, in big batches and small."""
    clock = FakeClock()
    lookups = SqlLookupRepository(database.sessions, max_per_user=3)
    vins = [f"{VIN[:-2]}{n:02d}" for n in range(8)]
    batch = []
    for vin in vins:
        batch.append(NewLookup(user_id=1, vin=vin, provider="nhtsa", looked_up_at=clock.now))
        clock.advance(minutes=1)
    await lookups.add_many(batch)
    for vin in vins[:5]:
        await lookups.add_many(
            [NewLookup(user_id=2, vin=vin, provider="nhtsa", looked_up_at=clock.now)]
        )
        clock.advance(minutes=1)

    assert [r.vin for r in await lookups.recent(1, 10)] == vins[:-4:-1]
    assert [r.vin for r in await lookups.recent(2, 10)] == vins[4:1:-1]
    assert await scalar(database_url, "SELECT count(*) FROM lookups") == 6


async def test_no_cap_keeps_every_vin(database: Database) -> None:
    """max_per_user=0 (HISTORY_MAX_PER_USER=0) keeps every distinct VIN."""
    clock = FakeClock()
    lookups = SqlLookupRepository(database.sessions, max_per_user=0)
    await lookups.add_many(
        [
            NewLookup(user_id=1, vin=f"{VIN[:-2]}{n:02d}", provider="nhtsa", looked_up_at=clock.now)
            for n in range(50)
        ]
    )
    assert len(await lookups.recent(1, 100)) == 50
