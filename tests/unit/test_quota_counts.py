"""QuotaService's remembered counts: a slow read never replaces a newer ledger write."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from vinbot.models.records import PaidCallTotals, UsageCounts
from vinbot.services.paid_calls import PaidCallGate
from vinbot.services.quota import QuotaService

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


class SlowUsage:
    """A ledger whose reads wait until released and answer what the table held when asked."""

    def __init__(self) -> None:
        self.month_total = 2
        self.today: dict[int, int] = {}
        self.read_started = asyncio.Event()
        self.release_read = asyncio.Event()

    async def counts(self, user_id: int, *, day: date, month: str) -> UsageCounts:
        del day, month
        seen = UsageCounts(user_today=self.today.get(user_id, 0), month_total=self.month_total)
        self.read_started.set()
        await self.release_read.wait()
        return seen

    async def add_paid_calls(
        self, calls: dict[int, int], *, day: date, month: str, at: datetime, monthly_cap: int
    ) -> PaidCallTotals:
        del day, month, at
        for user_id, count in calls.items():
            self.today[user_id] = self.today.get(user_id, 0) + count
        before, self.month_total = self.month_total, self.month_total + sum(calls.values())
        return PaidCallTotals(
            user_today={u: self.today[u] for u in calls},
            month_total=self.month_total,
            cap_reached_now=before < monthly_cap <= self.month_total,
        )


def _quota(usage: SlowUsage, *, daily: int, monthly: int) -> QuotaService:
    return QuotaService(
        usage,  # type: ignore[arg-type]
        daily_lookups_per_user=daily,
        monthly_paid_calls=monthly,
        now=lambda: NOW,
    )


async def test_a_write_landing_during_a_read_is_not_undone_by_it() -> None:
    """User 2's read starts at 2 calls; user 1's write reaches the cap of 3 meanwhile; the
    cap must still hold for everyone once the stale read returns."""
    usage = SlowUsage()
    quota = _quota(usage, daily=0, monthly=3)
    reading = asyncio.ensure_future(quota.check(2, is_admin=False))
    await usage.read_started.wait()

    assert await quota.record_paid_calls({1: 1}) is not None  # the cap is reached now
    usage.release_read.set()
    await reading

    assert not (await quota.check(1, is_admin=False)).allowed
    assert not (await quota.check(2, is_admin=False)).allowed


class BrokenLedger(SlowUsage):
    """Reads answer at once; every write fails (a locked or full disk)."""

    def __init__(self) -> None:
        super().__init__()
        self.month_total = 0
        self.release_read.set()

    async def add_paid_calls(self, *args: object, **kwargs: object) -> PaidCallTotals:
        raise OSError("database or disk is full")


async def test_calls_the_ledger_cannot_write_still_count_against_the_quota() -> None:
    usage = BrokenLedger()
    quota = _quota(usage, daily=2, monthly=0)
    gate = PaidCallGate(quota, counter=_Quiet(), alerts=_Quiet())
    for _ in range(2):
        _, reservation = await gate.reserve(1, is_admin=False)
        assert reservation is not None
        reservation.settle(paid=True)
    await gate.flush()

    decision, reservation = await gate.reserve(1, is_admin=False)

    assert reservation is None
    assert decision.reason == "user_daily"
    await gate.aclose()


async def test_one_users_slow_read_holds_up_nobody_else() -> None:
    """User 2's first check waits on the database; user 1, already known, is not held."""
    usage = SlowUsage()
    usage.release_read.set()
    quota = _quota(usage, daily=5, monthly=0)
    gate = PaidCallGate(quota, counter=_Quiet(), alerts=_Quiet())
    await quota.prime(1)
    usage.release_read.clear()
    slow = asyncio.ensure_future(gate.reserve(2, is_admin=False))
    await usage.read_started.wait()

    async with asyncio.timeout(1):
        _, reservation = await gate.reserve(1, is_admin=False)

    assert reservation is not None
    reservation.settle(paid=False)
    usage.release_read.set()
    await slow
    await gate.aclose()


class _Quiet:
    def paid_call(self) -> None:
        """No metrics here."""

    async def spend_cap_reached(self, event: object) -> None:
        """No admins here."""
