"""The flood guard's counts in the database, shared by instances on one SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from vinbot.services.flood_guard import SharedFloodGuard
from vinbot.storage.flood_counter import SqlWindowCounter

from .storage_support import column, opened

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vinbot.storage.engine import Database

MINUTE = 28_333_333  # a window number: 1_699_999_980 // 60


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with opened(database_url) as database:
        yield database


async def test_concurrent_hits_each_get_their_own_count(database: Database) -> None:
    """Simultaneous attempts through two counters get the counts 1..N, none lost or repeated."""
    first, second = SqlWindowCounter(database.sessions), SqlWindowCounter(database.sessions)
    counters = [first, second] * 5

    counts = await asyncio.gather(*(c.hit(7, MINUTE, 60) for c in counters))

    assert sorted(c for c in counts if c is not None) == list(range(1, 11))


async def test_a_place_is_told_once_per_window(database: Database) -> None:
    """first_notice is True once per user, place and window."""
    counter = SqlWindowCounter(database.sessions)
    await counter.hit(7, MINUTE, 60)

    told = [await counter.first_notice(7, MINUTE, where, 60) for where in ("chat", "chat")]
    button = await counter.first_notice(7, MINUTE, "button", 60)
    other_window = await counter.first_notice(7, MINUTE + 1, "chat", 60)

    assert told == [True, False]
    assert button is True
    assert other_window is False  # no attempt was counted there: nothing to tell about


async def test_old_windows_are_pruned(database_url: str, database: Database) -> None:
    """The first attempt counted in a new window deletes the rows of earlier windows."""
    counter = SqlWindowCounter(database.sessions)
    await counter.hit(7, MINUTE, 60)
    await counter.hit(8, MINUTE + 1, 60)

    assert await column(database_url, "SELECT user_id FROM flood_counts") == [8]


async def test_two_guards_on_one_database_share_the_budget(database: Database) -> None:
    """Two instances' guards over one database allow N attempts a minute in all."""
    clock = lambda: 1_699_999_990.0  # noqa: E731
    guards = [
        SharedFloodGuard(2, SqlWindowCounter(database.sessions), clock=clock) for _ in range(2)
    ]

    decisions = [await guards[i % 2].admit(7) for i in range(4)]

    assert [d.allowed for d in decisions] == [True, True, False, False]
    assert [d.first_refusal for d in decisions[2:]] == [True, False]
    assert decisions[2].retry_after == 50
