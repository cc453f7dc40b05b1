"""Quotas: per-user daily allowance, bot-wide monthly cap, UTC day and month boundaries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vinbot.services.quota import QuotaService, month_key, next_midnight, next_month_start
from vinbot.storage.repositories import SqlUsageRepository

from .storage_support import FakeClock, opened

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vinbot.storage.engine import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with opened(database_url) as database:
        yield database


def _quota(database: Database, clock: FakeClock, *, daily: int, monthly: int) -> QuotaService:
    return QuotaService(
        SqlUsageRepository(database.sessions),
        daily_lookups_per_user=daily,
        monthly_paid_calls=monthly,
        now=clock,
    )


async def test_the_daily_quota_stops_paid_calls_until_the_next_utc_midnight(
    database: Database,
) -> None:
    """After N paid calls the user is refused with reason user_daily and a reset at 00:00 UTC."""
    clock = FakeClock(datetime(2025, 3, 14, 23, 58, tzinfo=UTC))
    quota = _quota(database, clock, daily=3, monthly=0)
    for _ in range(3):
        assert (await quota.check(1, is_admin=False)).allowed
        await quota.record_paid_calls({1: 1})
    refused = await quota.check(1, is_admin=False)
    assert (refused.allowed, refused.reason) == (False, "user_daily")
    assert refused.resets_at == datetime(2025, 3, 15, tzinfo=UTC)
    assert (await quota.check(2, is_admin=False)).allowed  # other users are unaffected
    clock.set(datetime(2025, 3, 14, 23, 59, 59, 999999, tzinfo=UTC))
    assert not (await quota.check(1, is_admin=False)).allowed
    clock.set(datetime(2025, 3, 15, tzinfo=UTC))
    assert (await quota.check(1, is_admin=False)).allowed


async def test_a_clock_in_another_zone_counts_in_utc(database: Database) -> None:
    """00:30 and 01:30 at UTC+02:00 are the 14th in UTC: one UTC day, one quota."""
    clock = FakeClock(datetime(2025, 3, 15, 0, 30, tzinfo=timezone(timedelta(hours=2))))
    quota = _quota(database, clock, daily=1, monthly=0)
    await quota.record_paid_calls({1: 1})
    clock.advance(hours=1)  # 23:30 UTC: same UTC day
    refused = await quota.check(1, is_admin=False)
    assert refused.resets_at == datetime(2025, 3, 15, tzinfo=UTC)


async def test_admins_skip_the_daily_quota_but_not_the_monthly_cap(database: Database) -> None:
    """An admin past the daily quota is allowed; past the bot's monthly cap nobody is."""
    clock = FakeClock()
    quota = _quota(database, clock, daily=1, monthly=3)
    for _ in range(2):
        await quota.record_paid_calls({99: 1})
    assert (await quota.check(99, is_admin=True)).allowed
    assert (await quota.check(99, is_admin=False)).reason == "user_daily"
    await quota.record_paid_calls({99: 1})
    refused = await quota.check(99, is_admin=True)
    assert (refused.allowed, refused.reason) == (False, "bot_monthly")
    assert refused.resets_at == datetime(2025, 4, 1, tzinfo=UTC)


async def test_zero_limits_mean_unlimited(database: Database) -> None:
    """DAILY_LOOKUPS_PER_USER=0 and MONTHLY_PAID_CALLS=0 never refuse and never announce a cap."""
    quota = _quota(database, FakeClock(), daily=0, monthly=0)
    events = [await quota.record_paid_calls({1: 1}) for _ in range(50)]
    assert events == [None] * 50
    assert (await quota.check(1, is_admin=False)).allowed
    assert (await quota.usage_summary()).today == 50


@pytest.mark.parametrize(
    ("last_moment", "next_month"),
    [
        (datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
        (datetime(2024, 2, 29, 23, 0, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)),
        (datetime(2025, 4, 30, 23, 59, tzinfo=UTC), datetime(2025, 5, 1, tzinfo=UTC)),
    ],
)
async def test_the_monthly_cap_lifts_at_the_first_of_the_next_utc_month(
    database: Database, last_moment: datetime, next_month: datetime
) -> None:
    """A cap reached on a month's last day refuses until 00:00 UTC on the 1st, then lifts."""
    clock = FakeClock(last_moment)
    quota = _quota(database, clock, daily=0, monthly=2)
    await quota.record_paid_calls({1: 1})
    await quota.record_paid_calls({2: 1})
    refused = await quota.check(3, is_admin=False)
    assert (refused.reason, refused.resets_at) == ("bot_monthly", next_month)
    clock.set(next_month)
    assert (await quota.check(3, is_admin=False)).allowed
    assert (await quota.usage_summary()).month == 0


async def test_the_cap_event_is_returned_once_even_after_a_restart(database_url: str) -> None:
    """Only the call that reaches the cap gets a CapEvent; a re-created service never repeats it."""
    url = database_url
    clock = FakeClock(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    async with opened(url) as database:
        quota = _quota(database, clock, daily=0, monthly=3)
        events = [await quota.record_paid_calls({n: 1}) for n in (1, 2, 3, 4)]
    assert [e is not None for e in events] == [False, False, True, False]
    event = events[2]
    assert event is not None
    assert (event.month, event.cap, event.paid_calls, event.reached_at) == (
        "2025-03",
        3,
        3,
        clock.now,
    )
    async with opened(url) as database:
        quota = _quota(database, clock, daily=0, monthly=3)
        assert await quota.record_paid_calls({5: 1}) is None
        summary = await quota.usage_summary()
        assert (summary.month, summary.cap_reached_at) == (5, clock.now)
        clock.set(datetime(2025, 4, 1, tzinfo=UTC))
        again = [await quota.record_paid_calls({1: 1}) for _ in range(3)]
    assert [e is not None for e in again] == [False, False, True]


async def test_concurrent_calls_crossing_the_cap_announce_it_exactly_once(
    database_url: str,
) -> None:
    """Thirty paid calls racing past a cap of 10, from two engines, yield a single CapEvent."""
    url = database_url
    clock = FakeClock()
    async with opened(url) as first, opened(url) as second:
        quotas = [_quota(db, clock, daily=0, monthly=10) for db in (first, second)]
        events = await asyncio.gather(*(quotas[n % 2].record_paid_calls({n: 1}) for n in range(30)))
        summary = await quotas[0].usage_summary()
    assert sum(e is not None for e in events) == 1
    assert (summary.today, summary.month) == (30, 30)


async def test_usage_summary_shows_today_and_this_month(database: Database) -> None:
    """/stats numbers: today's paid calls for all users, and the month's, in UTC."""
    clock = FakeClock(datetime(2025, 3, 13, 10, 0, tzinfo=UTC))
    quota = _quota(database, clock, daily=20, monthly=100)
    await quota.record_paid_calls({1: 1})
    clock.advance(days=1)
    for user_id in (1, 2, 2):
        await quota.record_paid_calls({user_id: 1})
    summary = await quota.usage_summary()
    assert (summary.today, summary.month, summary.monthly_cap) == (3, 4, 100)
    assert summary.daily_lookups_per_user == 20
    assert summary.cap_reached_at is None
    assert summary.as_of == clock.now


async def test_a_naive_clock_is_refused(database: Database) -> None:
    """A clock without a zone would make day boundaries a guess, so it is an error."""
    quota = QuotaService(
        SqlUsageRepository(database.sessions),
        daily_lookups_per_user=1,
        monthly_paid_calls=0,
        now=lambda: datetime(2025, 3, 14, 12, 0),  # noqa: DTZ001 - the point of the test
    )
    with pytest.raises(ValueError, match="aware"):
        await quota.check(1, is_admin=False)


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(2200, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    )
)
def test_reset_times_are_the_next_utc_day_and_month_starts(moment: datetime) -> None:
    """next_midnight and next_month_start are the first instants after moment's day and month."""
    midnight = next_midnight(moment)
    assert moment < midnight <= moment + timedelta(days=1)
    assert (midnight.hour, midnight.minute, midnight.second, midnight.microsecond) == (0, 0, 0, 0)
    month_start = next_month_start(moment)
    assert month_start.day == 1
    assert month_start > moment
    assert month_key(month_start - timedelta(microseconds=1)) == month_key(moment)


async def test_a_batch_counts_each_user_and_crosses_the_cap_once(database: Database) -> None:
    """One write of many users' calls: per-user totals, the month's total, and one CapEvent."""
    clock = FakeClock(datetime(2025, 3, 13, 10, 0, tzinfo=UTC))
    quota = _quota(database, clock, daily=5, monthly=6)
    await quota.record_paid_calls({1: 1})

    event = await quota.record_paid_calls({1: 2, 2: 3})

    assert event is not None
    assert (event.paid_calls, event.cap) == (6, 6)
    assert (await quota.check(1, is_admin=True)).reason == "bot_monthly"
    assert await quota.record_paid_calls({3: 1}) is None
    repository = SqlUsageRepository(database.sessions)
    counts = [
        await repository.counts(user_id, day=clock.now.date(), month="2025-03")
        for user_id in (1, 2, 3)
    ]
    assert [c.user_today for c in counts] == [3, 3, 1]
    assert counts[0].month_total == 7


async def test_an_empty_batch_is_refused(database: Database) -> None:
    with pytest.raises(ValueError, match="no paid calls"):
        await SqlUsageRepository(database.sessions).add_paid_calls(
            {},
            day=datetime(2025, 3, 13, tzinfo=UTC).date(),
            month="2025-03",
            at=datetime(2025, 3, 13, tzinfo=UTC),
            monthly_cap=0,
        )
