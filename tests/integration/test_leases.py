"""Leases and the recall job across instances, on SQLite and PostgreSQL: one holder, one alert."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from vinbot.services.garage import GarageService
from vinbot.services.leases import Lease
from vinbot.services.recall_alerts import NotifyResult, RecallAlert, RecallAlertService
from vinbot.services.settings import UserSettingsService
from vinbot.storage.lease_repository import SqlLeaseRepository
from vinbot.storage.recall_alert_repository import SqlRecallAlertRepository
from vinbot.storage.repositories import SqlGarageRepository, SqlUserRepository

from .storage_support import FakeClock, opened, scalar
from .test_recall_alerts import ALICE, BMW, BOB, CAROL, HONDA, FakeNhtsa, FakeNotifier

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

TTL = timedelta(minutes=5)


@pytest.fixture
def url(database_url: str) -> str:
    """Each test runs on SQLite and on PostgreSQL."""
    return database_url


async def test_two_holders_one_wins_the_other_takes_over_after_expiry(url: str) -> None:
    """The first taker holds and renews; the second is refused until the lease expires or is
    released."""
    clock = FakeClock()
    async with opened(url) as first_db, opened(url) as second_db:
        first = Lease(SqlLeaseRepository(first_db.sessions), "job", "a", TTL, now=clock)
        second = Lease(SqlLeaseRepository(second_db.sessions), "job", "b", TTL, now=clock)
        assert await first.acquire()
        assert not await second.acquire()
        assert await second.current_holder() == "a"
        clock.advance(minutes=4)
        assert await first.acquire()  # renewed: five more minutes from now
        clock.advance(minutes=4)
        assert not await second.acquire()
        clock.advance(minutes=2)  # the holder stopped renewing (it died): expired
        assert await second.acquire()
        assert not await first.acquire()
        await first.release()  # not its lease any more: nothing happens
        assert await second.current_holder() == "b"
        await second.release()
        assert await second.current_holder() is None
        assert await first.acquire()
    assert await scalar(url, "SELECT holder FROM leases WHERE name = 'job'") == "a"


async def test_two_instances_taking_at_once_exactly_one_wins(url: str) -> None:
    """Two engines taking the same free (or expired) lease at the same moment: one gets it."""
    clock = FakeClock()
    async with opened(url) as first_db, opened(url) as second_db:
        for round_number in range(8):
            name = f"lease-{round_number % 2}"
            first = Lease(SqlLeaseRepository(first_db.sessions), name, "a", TTL, now=clock)
            second = Lease(SqlLeaseRepository(second_db.sessions), name, "b", TTL, now=clock)
            won = await asyncio.gather(first.acquire(), second.acquire())
            assert sorted(won) == [False, True]
            clock.advance(minutes=6)  # both lapse: the next round races for an expired lease


class SlowNotifier(FakeNotifier):
    """A FakeNotifier that lets the other instance run while each message is on its way."""

    async def notify(self, alert: RecallAlert) -> NotifyResult:
        await asyncio.sleep(0.01)
        return await super().notify(alert)


@asynccontextmanager
async def instance(
    url: str, clock: FakeClock, nhtsa: FakeNhtsa, holder: str | None
) -> AsyncIterator[tuple[GarageService, RecallAlertService]]:
    """One bot instance's garage and recall job on the shared database (holder None: no lease)."""

    async def no_pause(_seconds: float) -> None:
        await asyncio.sleep(0)

    async with opened(url) as database:
        sessions = database.sessions
        lease = (
            None
            if holder is None
            else Lease(SqlLeaseRepository(sessions), "recall_alerts", holder, TTL, now=clock)
        )
        yield (
            GarageService(SqlGarageRepository(sessions), now=clock),
            RecallAlertService(
                SqlRecallAlertRepository(sessions),
                nhtsa,
                users=UserSettingsService(SqlUserRepository(sessions), now=clock),
                now=clock,
                sleep=no_pause,
                lease=lease,
            ),
        )


@pytest.mark.parametrize("leased", [True, False], ids=["leased", "claims-only"])
async def test_two_job_runs_at_once_tell_each_owner_once(url: str, leased: bool) -> None:
    """Two instances run the job at the same moment: every owner hears of a new campaign once
    (by the lease, and without it by the atomic claim of each notification)."""
    clock = FakeClock()
    nhtsa = FakeNhtsa({HONDA: ["20V001000"], BMW: []})
    notifier = SlowNotifier()
    async with AsyncExitStack() as stack:
        garage, first = await stack.enter_async_context(
            instance(url, clock, nhtsa, "a" if leased else None)
        )
        _, second = await stack.enter_async_context(
            instance(url, clock, nhtsa, "b" if leased else None)
        )
        for user in (ALICE, BOB):
            await garage.add(user, HONDA)
        await garage.add(CAROL, BMW)
        await asyncio.gather(first.run_once(notifier), second.run_once(notifier))
        assert notifier.take() == []  # the baseline, checked at once by both without failing

        clock.advance(days=1)
        nhtsa.campaigns[HONDA].append("24V100000")
        nhtsa.campaigns[BMW].append("24V200000")
        summaries = await asyncio.gather(first.run_once(notifier), second.run_once(notifier))
        assert notifier.take() == [
            (ALICE, HONDA, "24V100000"),
            (BOB, HONDA, "24V100000"),
            (CAROL, BMW, "24V200000"),
        ]
        if leased:
            # Each run took the lease at its start, so one of the two did nothing at all.
            assert sorted(summary.other_instance for summary in summaries) == [False, True]
    assert await scalar(url, "SELECT count(*) FROM recall_notifications") == 3


async def test_a_failed_send_gives_its_claim_back(url: str) -> None:
    """A message that could not be sent is claimed again, and sent, by the next check."""
    clock = FakeClock()
    nhtsa = FakeNhtsa({HONDA: []})
    notifier = FakeNotifier(failing={ALICE})
    async with instance(url, clock, nhtsa, "a") as (garage, job):
        await garage.add(ALICE, HONDA)
        await job.run_once(notifier)
        clock.advance(days=1)
        nhtsa.campaigns[HONDA].append("24V100000")
        summary = await job.run_once(notifier)
        assert (summary.send_failures, summary.notifications_sent) == (1, 0)
        assert await scalar(url, "SELECT count(*) FROM recall_notifications") == 0
        clock.advance(days=1)
        await job.run_once(notifier)
    assert notifier.take() == [(ALICE, HONDA, "24V100000")]


async def test_a_run_stops_when_its_lease_went_to_another_instance(url: str) -> None:
    """A run that can no longer renew its lease stops before the next VIN."""
    clock = FakeClock()
    nhtsa = FakeNhtsa({HONDA: [], BMW: []})
    async with opened(url) as other_db:
        thief = Lease(SqlLeaseRepository(other_db.sessions), "recall_alerts", "b", TTL, now=clock)

        async def pause_too_long(_seconds: float) -> None:
            clock.advance(minutes=6)  # the holder stalled past its lease
            assert await thief.acquire()

        async with opened(url) as database:
            sessions = database.sessions
            garage = GarageService(SqlGarageRepository(sessions), now=clock)
            job = RecallAlertService(
                SqlRecallAlertRepository(sessions),
                nhtsa,
                users=UserSettingsService(SqlUserRepository(sessions), now=clock),
                now=clock,
                sleep=pause_too_long,
                lease=Lease(SqlLeaseRepository(sessions), "recall_alerts", "a", TTL, now=clock),
            )
            await garage.add(ALICE, HONDA)
            await garage.add(ALICE, BMW)
            summary = await job.run_once(FakeNotifier())
    assert summary.lease_lost
    assert summary.vins_checked == 1
    assert len(nhtsa.calls) == 1
