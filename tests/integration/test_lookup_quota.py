"""Lookups against the quotas in SQLite: concurrency cannot overspend, cancellation cannot hide a
paid call."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from tests.fakes.providers import DictCache, FakeProvider
from vinbot.clients.offline import OfflineProvider
from vinbot.models.vin import check_digit
from vinbot.services.decoding import DecodeService
from vinbot.services.history import HistoryRecorder
from vinbot.services.lookup import LookupService
from vinbot.services.paid_calls import PaidCallGate
from vinbot.services.quota import QuotaService
from vinbot.services.settings import UserSettingsService
from vinbot.storage.repositories import SqlLookupRepository, SqlUsageRepository, SqlUserRepository

from .storage_support import FakeClock, opened

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from vinbot.storage.engine import Database

USER = 31


def honda_vin(serial: int) -> str:
    body = f"1HGCM826?3A{serial:06d}"
    return body.replace("?", check_digit(body.replace("?", "0")))


class _Quiet:
    def paid_call(self) -> None:
        """No metrics here."""

    async def spend_cap_reached(self, event: object) -> None:
        """No admins here."""


class World:
    """A lookup service over a slow paid provider, a free one, and quotas in SQLite."""

    def __init__(self, database: Database, *, daily: int) -> None:
        sessions = database.sessions
        self.carsxe = FakeProvider("carsxe", paid=True, delay=0.05)
        self.nhtsa = FakeProvider("nhtsa")
        self.quota = QuotaService(
            SqlUsageRepository(sessions),
            daily_lookups_per_user=daily,
            monthly_paid_calls=0,
            now=FakeClock(),
        )
        self.gate = PaidCallGate(self.quota, counter=_Quiet(), alerts=_Quiet())
        self.history = HistoryRecorder(SqlLookupRepository(sessions))
        self.decoder = DecodeService([self.carsxe, self.nhtsa], OfflineProvider(), DictCache())
        self.lookups = LookupService(
            self.decoder,
            gate=self.gate,
            history=self.history,
            user_settings=UserSettingsService(SqlUserRepository(sessions)),
        )

    async def paid_calls_recorded(self) -> int:
        await self.gate.flush()
        summary = await self.quota.usage_summary()
        return summary.today

    async def aclose(self) -> None:
        await self.decoder.aclose()
        await self.gate.aclose()
        await self.history.aclose()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with opened(database_url) as database:
        yield database


async def test_simultaneous_lookups_cannot_pass_the_daily_quota(database: Database) -> None:
    """Eight VINs at once from a user with 2 detailed lookups a day: 2 CarsXE calls, the rest
    answered free with the quota note."""
    world = World(database, daily=2)
    try:
        results = await asyncio.gather(
            *(world.lookups.lookup(honda_vin(n), user_id=USER, is_admin=False) for n in range(1, 9))
        )

        assert len(world.carsxe.calls) == 2
        assert [r.source for r in results].count("carsxe") == 2
        assert all(
            any(note.code == "quota" for note in r.notes) for r in results if r.source != "carsxe"
        )
        assert await world.paid_calls_recorded() == 2
    finally:
        await world.aclose()


async def test_a_paid_call_is_counted_when_the_asker_stops_waiting(database: Database) -> None:
    """The decode goes on without its caller (it is shared); its paid call is still counted."""
    world = World(database, daily=5)
    try:
        asking = asyncio.ensure_future(
            world.lookups.lookup(honda_vin(1), user_id=USER, is_admin=False)
        )
        while not world.carsxe.calls:
            await asyncio.sleep(0.001)
        asking.cancel()
        await asyncio.gather(asking, return_exceptions=True)
        async with asyncio.timeout(30):  # the decode finishes on its own; a failure bound
            while not await world.paid_calls_recorded():
                await asyncio.sleep(0.01)

        assert await world.paid_calls_recorded() == 1
        again = await world.lookups.lookup(honda_vin(1), user_id=USER, is_admin=False)
        assert again.cached
        assert await world.paid_calls_recorded() == 1
    finally:
        await world.aclose()


async def test_a_failed_paid_provider_gives_the_allowance_back(database: Database) -> None:
    """An outage is not a paid call: the reservation returns and the next lookup may pay."""
    world = World(database, daily=1)
    try:
        world.carsxe.error = TimeoutError()
        first = await world.lookups.lookup(honda_vin(1), user_id=USER, is_admin=False)
        world.carsxe.error = None
        second = await world.lookups.lookup(honda_vin(2), user_id=USER, is_admin=False)

        assert (first.source, second.source) == ("nhtsa", "carsxe")
        assert await world.paid_calls_recorded() == 1
    finally:
        await world.aclose()
