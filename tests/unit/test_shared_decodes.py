"""One upstream call per VIN across instances: decode services sharing one store's short lock."""

from __future__ import annotations

import asyncio

from tests.fakes.providers import FakeProvider
from vinbot.cache import keys
from vinbot.cache.memory import MemoryCache
from vinbot.clients.offline import OfflineProvider
from vinbot.models.errors import ProviderUnavailable
from vinbot.services.decoding import DecodeService

HONDA = "1HGCM82633A004352"


class FailingStore:
    """A shared store whose every call fails (Upstash down): answers None."""

    def __init__(self) -> None:
        self.adds = 0

    async def count(self, key: str, ttl_ms: int) -> int | None:
        return None

    async def add(self, key: str, value: str, ttl_ms: int) -> bool | None:
        self.adds += 1
        return None

    async def delete(self, key: str) -> None:
        return None


def instance(provider: FakeProvider, shared: MemoryCache) -> DecodeService:
    """One instance's decode service over the shared cache, which also holds the locks."""
    return DecodeService((provider,), OfflineProvider(), shared, locks=shared, deadline_seconds=5)


async def _called(provider: FakeProvider) -> None:
    while not provider.calls:
        await asyncio.sleep(0.001)


async def test_a_second_instance_waits_for_the_first_ones_answer() -> None:
    """While one instance asks CarsXE about a VIN, the other reads its answer: one call in all."""
    shared = MemoryCache()
    hold = asyncio.Event()
    first_carsxe = FakeProvider("carsxe", paid=True, hold=hold)
    second_carsxe = FakeProvider("carsxe", paid=True)
    first, second = instance(first_carsxe, shared), instance(second_carsxe, shared)

    leading = asyncio.create_task(first.decode(HONDA))
    await _called(first_carsxe)
    following = asyncio.create_task(second.decode(HONDA))
    await asyncio.sleep(0.06)  # the follower has found the lock taken at least once
    hold.set()
    led, followed = await asyncio.gather(leading, following)

    assert first_carsxe.calls == [HONDA]
    assert second_carsxe.calls == []
    assert (led.source, followed.source) == ("carsxe", "carsxe")
    assert led.paid_call_made
    assert not followed.paid_call_made
    assert followed.cached
    assert await shared.get(keys.decode_lock_key(HONDA)) is None  # released by the holder


async def test_a_waiter_asks_itself_when_the_holder_fails() -> None:
    """When the lock holder gets no answer it lets go, and the waiter asks its own provider."""
    shared = MemoryCache()
    hold = asyncio.Event()
    failing = FakeProvider("carsxe", paid=True, hold=hold, error=ProviderUnavailable("carsxe", "x"))
    working = FakeProvider("carsxe", paid=True)
    first, second = instance(failing, shared), instance(working, shared)

    leading = asyncio.create_task(first.decode(HONDA))
    await _called(failing)
    following = asyncio.create_task(second.decode(HONDA))
    await asyncio.sleep(0.06)
    hold.set()
    led, followed = await asyncio.gather(leading, following)

    assert led.source == "offline"
    assert followed.source == "carsxe"
    assert working.calls == [HONDA]


async def test_a_lock_left_by_a_dead_instance_delays_at_most_part_of_the_budget() -> None:
    """A lock nobody releases (its holder was killed) is waited on for half the budget, then the
    waiter asks itself."""
    shared = MemoryCache()
    await shared.add(keys.decode_lock_key(HONDA), "dead", 60_000)
    carsxe = FakeProvider("carsxe", paid=True)
    # The budget's clock stands still, so a loaded machine's late wake-up from the lock wait
    # cannot leave the provider no time at all.
    service = DecodeService(
        (carsxe,), OfflineProvider(), shared, locks=shared, deadline_seconds=0.3, clock=lambda: 0.0
    )

    result = await service.decode(HONDA)

    assert result.source == "carsxe"
    assert carsxe.calls == [HONDA]


async def test_a_failing_store_means_going_alone_at_once() -> None:
    """When the shared store fails, the decode asks its provider without waiting."""
    store = FailingStore()
    carsxe = FakeProvider("carsxe", paid=True)
    service = DecodeService((carsxe,), OfflineProvider(), MemoryCache(), locks=store)

    result = await service.decode(HONDA)

    assert result.source == "carsxe"
    assert store.adds == 1


async def test_a_cached_vin_takes_no_lock() -> None:
    """A VIN already in the shared cache is answered without touching the lock."""
    shared = MemoryCache()
    carsxe = FakeProvider("carsxe", paid=True)
    await instance(carsxe, shared).decode(HONDA)
    store = FailingStore()
    other = DecodeService((carsxe,), OfflineProvider(), shared, locks=store)

    assert (await other.decode(HONDA)).cached
    assert store.adds == 0
