"""Paid-call reservations made at the same time share one write transaction, each still
counted all or nothing, in arrival order."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from vinbot.services.quota import QuotaService
from vinbot.storage.repositories import SqlUsageRepository

from .storage_support import FakeClock, counting_statements, opened

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vinbot.storage.engine import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with opened(database_url) as database:
        yield database


def _quota(database: Database, *, daily: int, monthly: int) -> QuotaService:
    return QuotaService(
        SqlUsageRepository(database.sessions),
        daily_lookups_per_user=daily,
        monthly_paid_calls=monthly,
        now=FakeClock(),
    )


async def test_thirty_reservations_at_once_share_one_transaction_on_sqlite(
    database: Database,
) -> None:
    """Thirty users reserving at once are counted by a couple of month upserts on SQLite (one
    each on PostgreSQL), and each call is counted once on its user's day and on the month."""
    quota = _quota(database, daily=5, monthly=0)
    with counting_statements("INSERT", "usage_monthly") as months:
        results = await asyncio.gather(*(quota.reserve(user, is_admin=False) for user in range(30)))
    assert all(slot is not None for _, slot in results)
    if database.sessions.dialect == "sqlite":
        assert months.count <= 2
    else:
        assert months.count == 30
    summary = await quota.usage_summary()
    assert (summary.today, summary.month) == (30, 30)
    assert await quota.remaining(3, is_admin=False) == (4, "user_daily")


async def test_a_user_past_their_day_is_refused_alone_in_a_batch(database: Database) -> None:
    """In a batch of ten users, the one whose daily quota is spent is refused and counted
    nowhere; the nine others are counted on their days and on the month."""
    quota = _quota(database, daily=1, monthly=100)
    _, spent = await quota.reserve(4, is_admin=False)
    assert spent is not None
    results = await asyncio.gather(*(quota.reserve(user, is_admin=False) for user in range(10)))
    refused = [user for user, (decision, _) in enumerate(results) if not decision.allowed]
    assert refused == [4]
    assert results[4][0].reason == "user_daily"
    summary = await quota.usage_summary()
    assert (summary.today, summary.month) == (10, 10)


async def test_one_reservation_of_a_batch_filling_the_cap_is_marked_as_reaching_it(
    database: Database,
) -> None:
    """Ten users at once under a cap of 10: all are allowed and exactly one slot (the one
    that took the month to 10) reaches the cap, so one alert would be claimed."""
    quota = _quota(database, daily=0, monthly=10)
    results = await asyncio.gather(*(quota.reserve(user, is_admin=False) for user in range(10)))
    slots = [slot for _, slot in results if slot is not None]
    assert len(slots) == 10
    assert sum(slot.reaches_cap for slot in slots) == 1
    assert not (await quota.reserve(11, is_admin=False))[0].allowed


async def test_a_batch_larger_than_the_room_left_allows_exactly_the_room(
    database: Database,
) -> None:
    """Eight users at once with 5 calls left this month: exactly 5 are allowed, the first five
    to ask, and the month stops at the cap."""
    quota = _quota(database, daily=0, monthly=5)
    results = await asyncio.gather(*(quota.reserve(user, is_admin=False) for user in range(8)))
    allowed = [user for user, (decision, _) in enumerate(results) if decision.allowed]
    assert allowed == [0, 1, 2, 3, 4]
    assert {d.reason for d, slot in results if slot is None} == {"bot_monthly"}
    assert (await quota.usage_summary()).month == 5
