"""Quotas: per-user daily allowance, bot-wide monthly cap, UTC day and month boundaries."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.beyond import FakeTitleRecords
from tests.fakes.providers import DictCache
from vinbot.models.records import CapEvent
from vinbot.services.extras import PaidFeatureRefused
from vinbot.services.paid_calls import PaidCallGate
from vinbot.services.quota import QuotaService, month_key, next_midnight, next_month_start
from vinbot.services.title_check import TitleCheckService
from vinbot.storage.repositories import SqlUsageRepository

from .storage_support import VIN, FakeClock, counting_statements, opened

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vinbot.models.records import QuotaDecision
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


def _capped_gates(
    databases: tuple[Database, ...], clock: FakeClock, recorders: list[Recorder], *, monthly: int
) -> list[PaidCallGate]:
    """One gate per engine under a monthly cap (no daily quota), each with its own recorder."""
    return [
        PaidCallGate(_quota(db, clock, daily=0, monthly=monthly), counter=r, alerts=r)
        for db, r in zip(databases, recorders, strict=True)
    ]


def _calls_and_alerts(recorders: list[Recorder]) -> tuple[int, list[tuple[str, int, int]]]:
    """The paid calls all recorders counted, and each cap alert's month, cap and count."""
    alerts = [event for r in recorders for event in r.alerts]
    return sum(r.calls for r in recorders), [(e.month, e.cap, e.paid_calls) for e in alerts]


async def ask(quota: QuotaService, user_id: int, *, is_admin: bool = False) -> QuotaDecision:
    """Reserve a paid call and give it straight back: whether one would be allowed now."""
    decision, slot = await quota.reserve(user_id, is_admin=is_admin)
    if slot is not None:
        await quota.release(slot)
    return decision


async def charge(quota: QuotaService, user_id: int, *, is_admin: bool = True) -> CapEvent | None:
    """Reserve a paid call and keep it (made); the CapEvent if it reached the cap first."""
    decision, slot = await quota.reserve(user_id, is_admin=is_admin)
    assert decision.allowed
    assert slot is not None
    return await quota.cap_reached(slot)


class Recorder:
    """Counts paid calls and keeps the cap alerts."""

    def __init__(self) -> None:
        self.calls = 0
        self.alerts: list[CapEvent] = []

    def paid_call(self) -> None:
        self.calls += 1

    async def spend_cap_reached(self, event: CapEvent) -> None:
        self.alerts.append(event)


async def test_the_daily_quota_stops_paid_calls_until_the_next_utc_midnight(
    database: Database,
) -> None:
    """After N paid calls the user is refused with reason user_daily and a reset at 00:00 UTC."""
    clock = FakeClock(datetime(2025, 3, 14, 23, 58, tzinfo=UTC))
    quota = _quota(database, clock, daily=3, monthly=0)
    for _ in range(3):
        await charge(quota, 1, is_admin=False)
    refused = await ask(quota, 1)
    assert (refused.allowed, refused.reason) == (False, "user_daily")
    assert refused.resets_at == datetime(2025, 3, 15, tzinfo=UTC)
    assert (await ask(quota, 2)).allowed  # other users are unaffected
    clock.set(datetime(2025, 3, 14, 23, 59, 59, 999999, tzinfo=UTC))
    assert not (await ask(quota, 1)).allowed
    clock.set(datetime(2025, 3, 15, tzinfo=UTC))
    assert (await ask(quota, 1)).allowed


async def test_a_clock_in_another_zone_counts_in_utc(database: Database) -> None:
    """00:30 and 01:30 at UTC+02:00 are the 14th in UTC: one UTC day, one quota."""
    clock = FakeClock(datetime(2025, 3, 15, 0, 30, tzinfo=timezone(timedelta(hours=2))))
    quota = _quota(database, clock, daily=1, monthly=0)
    await charge(quota, 1, is_admin=False)
    clock.advance(hours=1)  # 23:30 UTC: same UTC day
    refused = await ask(quota, 1)
    assert refused.resets_at == datetime(2025, 3, 15, tzinfo=UTC)


async def test_admins_skip_the_daily_quota_but_not_the_monthly_cap(database: Database) -> None:
    """An admin past the daily quota is allowed; past the bot's monthly cap nobody is."""
    clock = FakeClock()
    quota = _quota(database, clock, daily=1, monthly=3)
    for _ in range(2):
        await charge(quota, 99, is_admin=True)
    assert (await ask(quota, 99, is_admin=True)).allowed
    assert (await ask(quota, 99)).reason == "user_daily"
    await charge(quota, 99, is_admin=True)
    refused = await ask(quota, 99, is_admin=True)
    assert (refused.allowed, refused.reason) == (False, "bot_monthly")
    assert refused.resets_at == datetime(2025, 4, 1, tzinfo=UTC)
    assert (await quota.usage_summary()).today == 3  # admins' calls are counted all the same


async def test_zero_limits_mean_unlimited(database: Database) -> None:
    """DAILY_LOOKUPS_PER_USER=0 and MONTHLY_PAID_CALLS=0 never refuse and never announce a cap."""
    quota = _quota(database, FakeClock(), daily=0, monthly=0)
    events = [await charge(quota, 1, is_admin=False) for _ in range(50)]
    assert events == [None] * 50
    assert (await ask(quota, 1)).allowed
    assert (await quota.usage_summary()).today == 50
    assert await quota.remaining(1, is_admin=False) is None


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
    await charge(quota, 1)
    await charge(quota, 2)
    refused = await ask(quota, 3)
    assert (refused.reason, refused.resets_at) == ("bot_monthly", next_month)
    clock.set(next_month)
    assert (await ask(quota, 3)).allowed
    assert (await quota.usage_summary()).month == 0


async def test_the_cap_event_is_returned_once_even_after_a_restart(database_url: str) -> None:
    """Only the call that reaches the cap gets a CapEvent; a re-created service never repeats it."""
    url = database_url
    clock = FakeClock(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    async with opened(url) as database:
        quota = _quota(database, clock, daily=0, monthly=3)
        events = [await charge(quota, n) for n in (1, 2, 3)]
        assert not (await ask(quota, 4)).allowed
    assert [e is not None for e in events] == [False, False, True]
    event = events[2]
    assert event is not None
    assert (event.month, event.cap, event.paid_calls, event.reached_at) == (
        "2025-03",
        3,
        3,
        clock.now,
    )
    async with opened(url) as database:
        quota = _quota(database, clock, daily=0, monthly=5)  # the cap raised after a restart
        assert [await charge(quota, n) for n in (5, 6)] == [None, None]
        summary = await quota.usage_summary()
        assert (summary.month, summary.cap_reached_at) == (5, clock.now)
        clock.set(datetime(2025, 4, 1, tzinfo=UTC))
        again = [await charge(quota, 1) for _ in range(5)]
    assert [e is not None for e in again] == [False, False, False, False, True]


async def test_a_released_call_gives_the_allowance_back_to_its_own_day(database: Database) -> None:
    """Releasing a slot taken before midnight takes the call back from that day, not the next."""
    clock = FakeClock(datetime(2025, 3, 31, 23, 59, tzinfo=UTC))
    quota = _quota(database, clock, daily=1, monthly=10)
    decision, slot = await quota.reserve(1, is_admin=False)
    assert decision.allowed
    assert slot is not None
    assert not (await ask(quota, 1)).allowed  # the reservation counts at once
    clock.set(datetime(2025, 4, 1, 0, 1, tzinfo=UTC))
    await charge(quota, 1, is_admin=False)
    await quota.release(slot)
    repository = SqlUsageRepository(database.sessions)
    before = await repository.counts(1, day=date(2025, 3, 31), month="2025-03")
    after = await repository.counts(1, day=date(2025, 4, 1), month="2025-04")
    assert (before.user_today, before.month_total) == (0, 0)
    assert (after.user_today, after.month_total) == (1, 1)


async def test_a_refused_day_leaves_the_month_uncounted(database: Database) -> None:
    """A reservation the daily quota refuses counts nothing against the month either."""
    quota = _quota(database, FakeClock(), daily=1, monthly=10)
    await charge(quota, 1, is_admin=False)
    for _ in range(3):
        assert (await ask(quota, 1)).reason == "user_daily"
    summary = await quota.usage_summary()
    assert (summary.today, summary.month) == (1, 1)
    assert await quota.remaining(1, is_admin=False) == (0, "user_daily")
    assert await quota.remaining(2, is_admin=False) == (1, "user_daily")
    assert await quota.remaining(1, is_admin=True) == (9, "bot_monthly")


async def test_concurrent_reservations_from_two_processes_allow_exactly_what_is_left(
    database_url: str,
) -> None:
    """Twelve reservations at once by a user with 3 of 5 left, over two engines, allow exactly 3."""
    clock = FakeClock()
    async with opened(database_url) as first, opened(database_url) as second:
        quotas = [_quota(db, clock, daily=5, monthly=0) for db in (first, second)]
        for _ in range(2):
            await charge(quotas[0], 7, is_admin=False)
        results = await asyncio.gather(
            *(quotas[n % 2].reserve(7, is_admin=False) for n in range(12))
        )
        summary = await quotas[1].usage_summary()
        left = await quotas[0].remaining(7, is_admin=False)
    assert sum(slot is not None for _, slot in results) == 3
    assert {d.reason for d, slot in results if slot is None} == {"user_daily"}
    assert summary.today == 5
    assert left == (0, "user_daily")


async def test_a_monthly_cap_crossed_from_two_processes_is_announced_once(
    database_url: str,
) -> None:
    """Thirty users racing for a cap of 10 through two gates on two engines: 10 calls, one alert."""
    clock = FakeClock()
    recorders = [Recorder(), Recorder()]
    async with opened(database_url) as first, opened(database_url) as second:
        gates = _capped_gates((first, second), clock, recorders, monthly=10)

        async def lookup(n: int) -> None:
            _, reservation = await gates[n % 2].reserve(n, is_admin=False)
            if reservation is not None:
                reservation.settle(paid=True)

        await asyncio.gather(*(lookup(n) for n in range(30)))
        for gate in gates:
            await gate.aclose()
        summary = await _quota(first, clock, daily=0, monthly=10).usage_summary()
    assert _calls_and_alerts(recorders) == (10, [("2025-03", 10, 10)])
    assert (summary.today, summary.month, summary.cap_reached_at) == (10, 10, clock.now)


async def test_calls_not_made_give_their_allowance_back(database_url: str) -> None:
    """Reservations settled unpaid (the call failed or was not needed) are taken back, so the
    user may try again; a settle after that changes nothing."""
    clock = FakeClock()
    async with opened(database_url) as database:
        quota = _quota(database, clock, daily=2, monthly=3)
        recorder = Recorder()
        gate = PaidCallGate(quota, counter=recorder, alerts=recorder)
        taken = [await gate.reserve(1, is_admin=False) for _ in range(3)]
        assert [r is not None for _, r in taken] == [True, True, False]
        for _, reservation in taken[:2]:
            assert reservation is not None
            reservation.settle(paid=False)
            reservation.settle(paid=True)  # only the first settle counts
        await gate.flush()
        summary = await quota.usage_summary()
        assert (summary.today, summary.month, recorder.calls) == (0, 0, 0)
        _, again = await gate.reserve(1, is_admin=False)
        assert again is not None
        again.settle(paid=True)
        await gate.aclose()
        assert (await quota.usage_summary()).today == 1


async def test_usage_summary_shows_today_and_this_month(database: Database) -> None:
    """/stats numbers: today's paid calls for all users, and the month's, in UTC."""
    clock = FakeClock(datetime(2025, 3, 13, 10, 0, tzinfo=UTC))
    quota = _quota(database, clock, daily=20, monthly=100)
    await charge(quota, 1)
    clock.advance(days=1)
    for user_id in (1, 2, 2):
        await charge(quota, user_id)
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
        await quota.reserve(1, is_admin=False)


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


async def test_two_calls_with_one_left_are_refused_and_nothing_is_counted(
    database: Database,
) -> None:
    """A reservation of two calls that only one fits (the day's, then the month's) is refused
    whole: no count moves, and the one call left can still be reserved."""
    clock = FakeClock()
    quota = _quota(database, clock, daily=3, monthly=10)
    for _ in range(2):
        await charge(quota, 1, is_admin=False)
    decision, slot = await quota.reserve(1, is_admin=False, calls=2)
    assert (decision.reason, slot) == ("user_daily", None)
    for _ in range(7):
        await charge(quota, 2)
    decision, slot = await quota.reserve(3, is_admin=False, calls=2)
    assert (decision.reason, slot) == ("bot_monthly", None)
    summary = await quota.usage_summary()
    assert (summary.today, summary.month) == (9, 9)
    assert (await quota.reserve(1, is_admin=False))[1] is not None


async def test_more_calls_than_a_limit_are_refused_on_an_empty_ledger(database: Database) -> None:
    """Three calls under a daily limit of 2 are refused even before any row exists."""
    quota = _quota(database, FakeClock(), daily=2, monthly=0)
    decision, slot = await quota.reserve(1, is_admin=False, calls=3)
    assert (decision.reason, slot) == ("user_daily", None)
    assert (await quota.usage_summary()).today == 0


async def test_two_calls_with_two_left_are_counted_by_one_upsert_per_allowance(
    database: Database,
) -> None:
    """Two calls that fit are reserved together: one conditional upsert on the month and one
    on the day, and both calls are counted."""
    quota = _quota(database, FakeClock(), daily=4, monthly=10)
    await charge(quota, 1, is_admin=False)
    await charge(quota, 1, is_admin=False)
    with (
        counting_statements("INSERT", "usage_monthly") as months,
        counting_statements("INSERT", "usage_daily") as days,
    ):
        decision, slot = await quota.reserve(1, is_admin=False, calls=2)
    assert decision.allowed
    assert slot is not None
    assert slot.calls == 2
    assert (months.count, days.count) == (1, 1)
    summary = await quota.usage_summary()
    assert (summary.today, summary.month) == (4, 4)


async def test_calls_not_made_of_a_reservation_are_given_back(database: Database) -> None:
    """Of two reserved calls one was made: it stays counted and the other returns; a reservation
    of two settled unpaid returns both, and a settle after that changes nothing."""
    quota = _quota(database, FakeClock(), daily=2, monthly=10)
    recorder = Recorder()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)
    _, half_used = await gate.reserve(1, is_admin=False, calls=2)
    assert half_used is not None
    half_used.settle_made(1)
    half_used.settle(paid=True)  # only the first settle counts
    await gate.flush()
    assert ((await quota.usage_summary()).today, recorder.calls) == (1, 1)

    _, unused = await gate.reserve(2, is_admin=False, calls=2)
    assert unused is not None
    unused.settle(paid=False)
    await gate.aclose()
    summary = await quota.usage_summary()
    assert (summary.today, summary.month, recorder.calls) == (1, 1, 1)
    assert await quota.remaining(1, is_admin=False) == (1, "user_daily")
    assert await quota.remaining(2, is_admin=False) == (2, "user_daily")


async def test_concurrent_reservations_of_two_calls_never_exceed_the_allowance(
    database_url: str,
) -> None:
    """Ten reservations of two calls at once by a user with 5 left, over two engines, allow
    exactly 2 (4 calls); the fifth call is still there for a reservation of one."""
    clock = FakeClock()
    async with opened(database_url) as first, opened(database_url) as second:
        quotas = [_quota(db, clock, daily=5, monthly=0) for db in (first, second)]
        results = await asyncio.gather(
            *(quotas[n % 2].reserve(7, is_admin=False, calls=2) for n in range(10))
        )
        last = await quotas[0].reserve(7, is_admin=False)
        summary = await quotas[1].usage_summary()
    assert sum(slot is not None for _, slot in results) == 2
    assert last[1] is not None
    assert summary.today == 5


async def test_a_monthly_cap_reached_by_reservations_of_two_is_announced_once(
    database_url: str,
) -> None:
    """Users racing with two-call reservations for a cap of 7 through two gates: 3 of them fit
    (6 calls), one made only one of its calls (5 made: not reached), so a later pair reaches
    the cap and the admins hear of it once."""
    clock = FakeClock()
    recorders = [Recorder(), Recorder()]
    async with opened(database_url) as first, opened(database_url) as second:
        gates = _capped_gates((first, second), clock, recorders, monthly=7)
        taken = await asyncio.gather(
            *(gates[n % 2].reserve(n, is_admin=False, calls=2) for n in range(12))
        )
        reservations = [reservation for _, reservation in taken if reservation is not None]
        assert len(reservations) == 3
        reservations[0].settle_made(1)
        for reservation in reservations[1:]:
            reservation.settle(paid=True)
        for gate in gates:
            await gate.flush()
        assert [r.alerts for r in recorders] == [[], []]  # 5 of 7 made: not reached

        _, two_more = await gates[0].reserve(99, is_admin=False, calls=2)
        assert two_more is not None
        two_more.settle(paid=True)
        for gate in gates:
            await gate.aclose()
        summary = await _quota(first, clock, daily=0, monthly=7).usage_summary()
    assert _calls_and_alerts(recorders) == (7, [("2025-03", 7, 7)])
    assert (summary.month, summary.cap_reached_at) == (7, clock.now)


async def test_a_title_check_reserves_its_two_calls_together(database: Database) -> None:
    """Through the real gate a title check counts its two calls with one upsert per allowance;
    with one call left it is refused before any call and counts nothing."""
    quota = _quota(database, FakeClock(), daily=3, monthly=10)
    recorder = Recorder()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)
    source = FakeTitleRecords()
    checks = TitleCheckService(source, DictCache(), gate)
    with counting_statements("INSERT", "usage_monthly") as months:
        await checks.check(VIN, user_id=1, is_admin=False)
    assert months.count == 1
    with pytest.raises(PaidFeatureRefused):
        await TitleCheckService(source, DictCache(), gate).check(VIN, user_id=1, is_admin=False)
    await gate.aclose()
    assert len(source.calls) == 2
    assert ((await quota.usage_summary()).today, recorder.calls) == (2, 2)
