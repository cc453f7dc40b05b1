"""QuotaService's remembered counts: a slow read never replaces a newer ledger write."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from vinbot.models.records import PaidCallTotals, UsageCounts
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


async def test_a_write_landing_during_a_read_is_not_undone_by_it() -> None:
    """User 2's read starts at 2 calls; user 1's write reaches the cap of 3 meanwhile; the
    cap must still hold for everyone once the stale read returns."""
    usage = SlowUsage()
    quota = QuotaService(
        usage,  # type: ignore[arg-type]
        daily_lookups_per_user=0,
        monthly_paid_calls=3,
        now=lambda: NOW,
    )
    reading = asyncio.ensure_future(quota.check(2, is_admin=False))
    await usage.read_started.wait()

    assert await quota.record_paid_calls({1: 1}) is not None  # the cap is reached now
    usage.release_read.set()
    await reading

    assert not (await quota.check(1, is_admin=False)).allowed
    assert not (await quota.check(2, is_admin=False)).allowed
