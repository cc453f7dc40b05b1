"""A press claimed across instances: in Upstash (the fake server), else in the database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from structlog.testing import capture_logs

from tests.fakes.upstash_server import FakeUpstash
from vinbot.cache import keys
from vinbot.cache.upstash import UpstashCache
from vinbot.config import Secret
from vinbot.services.presses import DatabasePresses, PressesInFlight, StorePresses
from vinbot.storage.lease_repository import SqlLeaseRepository

from .storage_support import FakeClock, opened, scalar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import datetime

    from vinbot.services.presses import PressKey

TOKEN = "presses-upstash-token"
TTL = timedelta(seconds=60)
SIGNED_DATA = "r:1HGCM82633A004352:s3cr3tsig"
PRESS: PressKey = (7, 70, 5, SIGNED_DATA)
OTHER_BUTTON: PressKey = (7, 70, 5, "v:1HGCM82633A004352:0th3rsig")


@dataclass(frozen=True, slots=True)
class Shared:
    """A fake Upstash server and the cache every instance reaches it through."""

    server: FakeUpstash
    cache: UpstashCache


@pytest.fixture
async def shared() -> AsyncIterator[Shared]:
    async with FakeUpstash(token=TOKEN) as server:
        cache = UpstashCache(server.url, Secret(TOKEN), timeout=2.0)
        try:
            yield Shared(server, cache)
        finally:
            await cache.aclose()


def in_upstash(shared: Shared, holder: str) -> PressesInFlight:
    """One instance's presses, claimed in the (fake) Upstash."""
    return PressesInFlight(StorePresses(shared.cache, holder, TTL), backend="upstash")


async def test_a_press_held_by_one_instance_is_refused_on_the_other_until_released(
    shared: Shared,
) -> None:
    """While one instance handles a press, the other's identical press is refused; then free."""
    first, second = in_upstash(shared, "host:8080"), in_upstash(shared, "host:8081")
    name = keys.press_key(*PRESS)
    async with first.claim(PRESS) as taken:
        async with second.claim(PRESS) as again, second.claim(OTHER_BUTTON) as other:
            assert (taken, again, other) == (True, False, True)
        assert shared.server.value(name) == "host:8080"
        assert 0 < (shared.server.ttl(name) or 0) <= TTL.total_seconds()
    assert shared.server.value(name) is None
    async with second.claim(PRESS) as later:
        assert later


async def test_a_press_handled_past_its_claims_ttl_stays_claimed(shared: Shared) -> None:
    """A press still handled after its claim's ttl has renewed it, so a late second tap on the
    other instance is still refused."""
    ttl = timedelta(seconds=2)
    first = PressesInFlight(StorePresses(shared.cache, "host:8080", ttl), renew_every=0.2)
    async with first.claim(PRESS) as taken:
        async with asyncio.timeout(30):  # 15 renewals: three times the ttl
            while len(shared.server.commands("SET")) < 16:
                await asyncio.sleep(0.05)
        async with in_upstash(shared, "host:8081").claim(PRESS) as late:
            assert (taken, late) == (True, False)


async def test_a_claim_left_by_the_same_instance_is_taken_back(
    shared: Shared,
) -> None:
    """A claim this instance's id left (it crashed mid-press) is taken back by its restart, not
    by another instance."""
    name = keys.press_key(*PRESS)
    await shared.cache.set(name, "host:8080", 60)
    async with in_upstash(shared, "host:8081").claim(PRESS) as other:
        assert not other
    async with in_upstash(shared, "host:8080").claim(PRESS) as restarted:
        assert restarted
    assert shared.server.value(name) is None


async def test_a_claim_that_lapsed_and_was_taken_elsewhere_is_not_released_by_its_old_holder(
    shared: Shared,
) -> None:
    """An instance whose claim lapsed and went to another instance leaves the other's claim
    alone when its own press ends, so a third tap is still refused."""
    name = keys.press_key(*PRESS)
    first = StorePresses(shared.cache, "host:8080", TTL)
    second = StorePresses(shared.cache, "host:8081", TTL)
    assert await first.take(name)
    await shared.cache.delete(name)  # first's claim ran out while Upstash missed its renewals
    assert await second.take(name)
    await first.give_back(name)  # first's press ends
    assert shared.server.value(name) == "host:8081"
    async with in_upstash(shared, "host:8082").claim(PRESS) as third:
        assert not third


async def test_upstash_down_falls_back_to_this_process(
    shared: Shared,
) -> None:
    """When Upstash fails the press goes ahead, and a double tap here is still refused."""
    shared.server.error_status = 500
    presses = in_upstash(shared, "host:8080")
    with capture_logs() as logs:
        async with presses.claim(PRESS) as taken, presses.claim(PRESS) as again:
            assert (taken, again) == (True, False)
    assert any(log["event"] == "press_claim_degraded" for log in logs)
    assert not shared.server.commands("DEL")


class BrokenLeases:
    """A lease store whose database is down."""

    async def take(self, name: str, holder: str, *, now: datetime, until: datetime) -> bool:
        raise ConnectionError

    async def release(self, name: str, holder: str) -> None:
        raise ConnectionError

    async def holder(self, name: str, *, now: datetime) -> str | None:
        raise ConnectionError


async def test_a_failing_database_never_refuses_a_press() -> None:
    """A database that raises lets the press go ahead; this process still refuses a double tap."""
    presses = PressesInFlight(DatabasePresses(BrokenLeases(), "host:8080", TTL), backend="database")
    async with presses.claim(PRESS) as taken, presses.claim(PRESS) as again:
        assert (taken, again) == (True, False)


async def test_the_database_holds_a_press_for_one_instance(database_url: str) -> None:
    """On SQLite and PostgreSQL alike, a held press is refused to another instance, released at
    the end, and one left by a crash expires after the ttl."""
    clock = FakeClock()
    async with opened(database_url) as first_db, opened(database_url) as second_db:
        first = PressesInFlight(
            DatabasePresses(SqlLeaseRepository(first_db.sessions), "a:1", TTL, now=clock)
        )
        second = PressesInFlight(
            DatabasePresses(SqlLeaseRepository(second_db.sessions), "b:2", TTL, now=clock)
        )
        async with first.claim(PRESS) as taken, second.claim(PRESS) as again:
            assert (taken, again) == (True, False)
        assert await scalar(database_url, "SELECT count(*) FROM leases") == 0
        async with second.claim(PRESS) as later:
            assert later

        crashed = DatabasePresses(SqlLeaseRepository(first_db.sessions), "a:1", TTL, now=clock)
        assert await crashed.take(keys.press_key(*PRESS))  # never given back
        async with second.claim(PRESS) as during:
            assert not during
        clock.advance(seconds=TTL.total_seconds())
        async with second.claim(PRESS) as expired:
            assert expired
