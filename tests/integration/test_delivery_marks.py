"""Webhook delivery marks in the database (no Upstash), on SQLite and PostgreSQL: one instance
takes an update, a failing database never refuses one, expired marks are swept."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Never

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from structlog.testing import capture_logs

from tests.fakes.providers import FakeProvider
from vinbot.delivered_updates import (
    RECEIVING_SECONDS,
    SWEEP_BATCH,
    SWEEP_BATCHES_AT_MOST,
    DeliveredUpdates,
    Delivery,
)
from vinbot.handlers.jobs import SWEEP_MARKS_JOB
from vinbot.storage.delivery_marks import SqlDeliveryMarks
from vinbot.storage.tables import DeliveryMarkRow

from .bot_harness import running_bot
from .storage_support import FakeClock, insert_rows, opened, scalar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

BOT_ID = "123456"
WEBHOOK = {"WEBHOOK_URL": "https://bot.example.test/telegram", "WEBHOOK_SECRET_TOKEN": "s3cret"}


async def test_a_mark_is_added_once_until_it_expires(database_url: str) -> None:
    """add stores only when the key is free or its mark expired; get sees only unexpired marks;
    set replaces with a new expiry; delete removes."""
    clock = FakeClock()
    async with opened(database_url) as database:
        marks = SqlDeliveryMarks(database.sessions, now=clock)
        assert await marks.add("k", "receiving:a", 60_000) is True
        assert await marks.add("k", "receiving:b", 60_000) is False
        assert await marks.get("k") == "receiving:a"
        clock.advance(seconds=61)
        assert await marks.get("k") is None
        assert await marks.add("k", "receiving:b", 60_000) is True
        assert await marks.get("k") == "receiving:b"
        await marks.set("k", "taken:b", 3600)
        clock.advance(minutes=59)
        assert await marks.add("k", "receiving:a", 60_000) is False
        assert await marks.get("k") == "taken:b"
        await marks.delete("k")
        assert await marks.get("k") is None
        await marks.set("fresh", "taken:a", 10)  # set on an absent key inserts
        assert await marks.get("fresh") == "taken:a"
    assert await scalar(database_url, "SELECT count(*) FROM delivery_marks") == 1


async def test_two_instances_adding_the_same_mark_at_once_one_wins(database_url: str) -> None:
    """Two engines adding one free (or expired) key at the same moment: exactly one stores."""
    clock = FakeClock()
    async with opened(database_url) as first_db, opened(database_url) as second_db:
        first = SqlDeliveryMarks(first_db.sessions, now=clock)
        second = SqlDeliveryMarks(second_db.sessions, now=clock)
        for round_number in range(8):
            key = f"update-{round_number % 2}"
            won = await asyncio.gather(first.add(key, "a", 1000), second.add(key, "b", 1000))
            assert sorted(won, key=bool) == [False, True]
            clock.advance(seconds=2)  # both lapse: the next round races for an expired mark


async def test_an_update_one_instance_took_is_taken_for_the_other(database_url: str) -> None:
    """The route's marks over the database: receiving here is "receiving" there, journaled is
    "taken" there, and a mark abandoned lets the other instance take the update at once."""
    clock = FakeClock()
    async with opened(database_url) as database:
        marks = SqlDeliveryMarks(database.sessions, now=clock)
        first = DeliveredUpdates(marks, BOT_ID, "a:8080", expired=marks)
        second = DeliveredUpdates(marks, BOT_ID, "b:8080", expired=marks)
        assert await first.receive(71) is Delivery.NEW
        assert await second.receive(71) is Delivery.RECEIVING
        await first.taken(71)
        assert await second.receive(71) is Delivery.TAKEN
        assert await second.receive(72) is Delivery.NEW
        await second.abandon(72)
        assert await first.receive(72) is Delivery.NEW
        assert await first.receive(73) is Delivery.NEW
        clock.advance(seconds=RECEIVING_SECONDS + 1)  # a receiving mark left by a crash lapses
        assert await second.receive(73) is Delivery.NEW


async def test_a_slow_write_elsewhere_in_the_process_does_not_hold_up_a_mark(
    database_url: str,
) -> None:
    """On PostgreSQL the route's mark does not queue behind this process's other writers (a big
    prune, a burst of handlers): a re-delivery the other instance took is still recognised.
    On SQLite, one writer per file, it waits like any write (no marks there in production)."""
    async with opened(database_url) as here, opened(database_url) as there:
        mine = SqlDeliveryMarks(here.sessions, timeout=0.3)
        other = DeliveredUpdates(SqlDeliveryMarks(there.sessions), BOT_ID, "b:8080")
        assert await other.receive(71) is Delivery.NEW
        await other.taken(71)
        slow_write_started = asyncio.Event()

        async def slow_write() -> None:
            async with here.sessions.writing():
                slow_write_started.set()
                await asyncio.sleep(1)

        writer = asyncio.create_task(slow_write())
        await slow_write_started.wait()
        delivery = await DeliveredUpdates(mine, BOT_ID, "a:8080").receive(71)
        await writer
    expected = Delivery.NEW if database_url.startswith("sqlite") else Delivery.TAKEN
    assert delivery is expected


class UnreadableMarks:
    """The database's marks, but reading one fails (as SqlDeliveryMarks reports it: None)."""

    def __init__(self, marks: SqlDeliveryMarks) -> None:
        self._marks = marks

    async def add(self, key: str, value: str, ttl_ms: int) -> bool | None:
        return await self._marks.add(key, value, ttl_ms)

    async def get(self, key: str) -> str | None:
        del key
        return None

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        await self._marks.set(key, value, ttl_seconds)

    async def delete(self, key: str) -> None:
        await self._marks.delete(key)


async def test_a_mark_held_elsewhere_that_cannot_be_read_is_asked_again(
    database_url: str,
) -> None:
    """The add says another request holds the update, then reading whose it is fails: the route
    answers "receiving" (Telegram delivers it again) instead of handling it a second time."""
    async with opened(database_url) as database:
        marks = SqlDeliveryMarks(database.sessions)
        other = DeliveredUpdates(marks, BOT_ID, "b:8080")
        here = DeliveredUpdates(UnreadableMarks(marks), BOT_ID, "a:8080")
        assert await other.receive(71) is Delivery.NEW
        assert await here.receive(71) is Delivery.RECEIVING
        await other.taken(71)
        assert await here.receive(71) is Delivery.RECEIVING
        assert await here.receive(72) is Delivery.NEW


async def test_expired_marks_are_swept_in_bounded_batches(database_url: str) -> None:
    """delete_expired takes at most its limit of expired marks, the oldest first, never a live
    one; the sweep deletes every expired mark."""
    clock = FakeClock()
    now = clock()
    rows: list[dict[str, object]] = [
        {"key": f"old-{n}", "value": "taken:a", "expires_at": now - timedelta(hours=n + 1)}
        for n in range(5)
    ]
    rows.append({"key": "live", "value": "taken:a", "expires_at": now + timedelta(hours=1)})
    await _migrated(database_url)
    await insert_rows(database_url, DeliveryMarkRow, rows)
    async with opened(database_url) as database:
        marks = SqlDeliveryMarks(database.sessions, now=clock)
        assert await marks.delete_expired(2) == 2
        assert await scalar(database_url, "SELECT count(*) FROM delivery_marks") == 4
        assert await scalar(database_url, "SELECT min(key) FROM delivery_marks") == "live"
        assert await DeliveredUpdates(marks, BOT_ID, "a:1", expired=marks).forget_expired() == 3
        assert await marks.delete_expired(2) == 0
    assert await scalar(database_url, "SELECT key FROM delivery_marks") == "live"


async def test_a_sweep_keeps_a_mark_re_claimed_while_it_runs(database_url: str) -> None:
    """An expired mark that `add` takes again (a new expiry) while a sweep waits for its row is
    live: the sweep leaves it."""
    clock = FakeClock()
    async with opened(database_url) as database:
        marks = SqlDeliveryMarks(database.sessions, now=clock, timeout=30)
        await marks.add("k", "receiving:a", 1000)
        clock.advance(seconds=5)
        re_claim = (
            update(DeliveryMarkRow)
            .where(DeliveryMarkRow.key == "k")
            .values(value="receiving:b", expires_at=clock() + timedelta(hours=1))
        )
        engine = create_async_engine(database_url, poolclass=NullPool)
        try:
            async with engine.begin() as claiming:  # the re-claim holds the row until commit
                await claiming.execute(re_claim)
                sweep = asyncio.create_task(marks.delete_expired(10))
                await _blocked(database_url, sweep)
        finally:
            await engine.dispose()
        assert await sweep == 0
        assert await marks.get("k") == "receiving:b"


async def _blocked(url: str, task: asyncio.Task[int | None]) -> None:
    """Until the task waits for a row lock (PostgreSQL shows it; on SQLite it waits in BEGIN
    IMMEDIATE, unseen: a few turns of the loop)."""
    sql = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    for _ in range(250):
        await asyncio.sleep(0.02)
        assert not task.done()
        if url.startswith("sqlite") or await scalar(url, sql):
            return


class ExpiredBacklog:
    """A store holding `left` expired marks, deleting at most the limit asked per call."""

    def __init__(self, left: int) -> None:
        self.left = left
        self.calls = 0

    async def delete_expired(self, limit: int) -> int:
        self.calls += 1
        deleted = min(limit, self.left)
        self.left -= deleted
        return deleted


@pytest.mark.parametrize(
    ("backlog", "calls"),
    [
        (2 * SWEEP_BATCH + 5, 3),
        (SWEEP_BATCH, 2),
        (SWEEP_BATCH * (SWEEP_BATCHES_AT_MOST + 1), SWEEP_BATCHES_AT_MOST),
    ],
)
async def test_a_sweep_deletes_batch_after_batch_up_to_its_bound(backlog: int, calls: int) -> None:
    """A sweep goes on while batches come back full, and stops after SWEEP_BATCHES_AT_MOST (the
    rest waits for the next sweep)."""
    store = ExpiredBacklog(backlog)
    unused = SqlDeliveryMarks(BrokenSessions(hangs=False))  # type: ignore[arg-type]
    deliveries = DeliveredUpdates(unused, BOT_ID, "a:1", expired=store)
    assert await deliveries.forget_expired() == min(backlog, SWEEP_BATCH * SWEEP_BATCHES_AT_MOST)
    assert store.calls == calls


async def _migrated(url: str) -> None:
    async with opened(url):
        pass


class BrokenSessions:
    """A session factory whose database refuses every connection, or never answers."""

    dialect = "postgresql"

    def __init__(self, *, hangs: bool) -> None:
        self._hangs = hangs

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Never]:
        await self._fail()
        yield  # type: ignore[misc]

    writing = writing_unqueued = reading

    async def _fail(self) -> None:
        if self._hangs:
            await asyncio.Event().wait()
        raise ConnectionRefusedError


@pytest.mark.parametrize("hangs", [False, True], ids=["refused", "no_answer"])
async def test_a_failing_database_never_refuses_an_update(hangs: bool) -> None:
    """A database that fails or does not answer within the timeout: every call gives up, the
    route's instance takes the update itself, and the failure is logged."""
    marks = SqlDeliveryMarks(BrokenSessions(hangs=hangs), timeout=0.05)  # type: ignore[arg-type]
    deliveries = DeliveredUpdates(marks, BOT_ID, "a:8080", expired=marks)
    with capture_logs() as logs:
        assert await deliveries.receive(71) is Delivery.NEW
        await deliveries.taken(71)
        await deliveries.abandon(72)
        await marks.delete("k")
        assert await deliveries.forget_expired() == 0
    errors = [entry for entry in logs if entry["event"] == "delivery_mark_error"]
    assert [entry["op"] for entry in errors] == ["add", "set", "get", "delete", "delete_expired"]
    assert {entry["error"] for entry in errors} == {
        "TimeoutError" if hangs else "ConnectionRefusedError"
    }


async def test_webhook_mode_on_postgresql_sweeps_marks_and_sqlite_keeps_none(
    tmp_path: Path, database_url: str
) -> None:
    """In webhook mode without Upstash the marks live in PostgreSQL and a repeating job deletes
    the expired ones; on SQLite (one process per file) there are none and no job."""
    providers = [FakeProvider("nhtsa")]
    async with running_bot(tmp_path, providers, DATABASE_URL=database_url, **WEBHOOK) as bot:
        queue = bot.application.job_queue
        assert queue is not None
        jobs = queue.get_jobs_by_name(SWEEP_MARKS_JOB)
        deliveries = bot.services.delivered_updates
        if database_url.startswith("sqlite"):
            assert deliveries is None
            assert jobs == ()
            return
        assert deliveries is not None
        assert await deliveries.receive(71) is Delivery.NEW
        await deliveries.taken(71)
        now = FakeClock().now
        await insert_rows(
            database_url,
            DeliveryMarkRow,
            [{"key": "long-gone", "value": "taken:gone", "expires_at": now - timedelta(days=1)}],
        )
        (job,) = jobs
        await job.run(bot.application)
        assert await deliveries.receive(71) is Delivery.TAKEN
    assert await scalar(database_url, "SELECT count(*) FROM delivery_marks") == 1
