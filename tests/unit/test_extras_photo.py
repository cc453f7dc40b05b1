"""The decode answer's photo: never held up long by a slow image search, charged when it answers."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.beyond import FakeImages
from tests.fakes.providers import DictCache
from vinbot.models.records import QuotaDecision
from vinbot.models.vehicle import VehicleSpec
from vinbot.services.extras import ExtrasService, PaidServices
from vinbot.services.paid_calls import Reservation
from vinbot.services.quota import PaidSlot
from vinbot.services.vehicle_photo import VehiclePhotoService

SPEC = VehicleSpec("WBAFR7C57CC811956", "carsxe", year=2012, make="BMW", model="5-Series")
LINK = "https://images.example.test/BMW-5-Series.jpg"


@dataclass
class Gate:
    """The paid-call gate's reservations: granted while allowed; paid ones are recorded."""

    allowed: bool = True
    charged: list[int] = field(default_factory=list)
    reserved: list[int] = field(default_factory=list)
    refused_users: set[int] = field(default_factory=set)

    async def reserve(
        self, user_id: int, *, is_admin: bool
    ) -> tuple[QuotaDecision, Reservation | None]:
        del is_admin
        await asyncio.sleep(0)  # a reservation is a database round trip
        self.reserved.append(user_id)
        if not self.allowed or user_id in self.refused_users:
            return QuotaDecision(allowed=False), None
        slot = PaidSlot(user_id, dt.date(2026, 12, 5), "2026-12", reaches_cap=False)
        return QuotaDecision(allowed=True), Reservation(slot, self._settle)

    def _settle(self, slot: PaidSlot, paid: bool) -> None:
        user_id = slot.user_id
        if paid:
            self.charged.append(user_id)


def extras(images: FakeImages, gate: Gate, cache: DictCache, *, wait: float) -> ExtrasService:
    unused: Any = None
    paid = PaidServices(
        market_value=unused, photos=VehiclePhotoService(images, cache), ocr=unused, plates=unused
    )
    return ExtrasService(gate, unused, paid, photo_wait=wait)  # type: ignore[arg-type]


async def test_a_quick_image_search_is_waited_for_and_charged() -> None:
    images, gate = FakeImages(), Gate()
    service = extras(images, gate, DictCache(), wait=5.0)

    assert await service.photo_url(SPEC, user_id=1, is_admin=False) == LINK
    assert gate.charged == [1]


async def test_a_slow_image_search_does_not_hold_the_answer_and_fills_the_cache() -> None:
    """Past the wait the answer goes without a picture; the search ends in the background,
    is charged then, and the next decode of the model gets the picture from the cache."""
    images, gate = FakeImages(delay=0.2), Gate()
    service = extras(images, gate, DictCache(), wait=0.01)

    assert await service.photo_url(SPEC, user_id=1, is_admin=False) is None
    assert gate.charged == []
    async with asyncio.timeout(5):
        while not gate.charged:
            await asyncio.sleep(0.01)

    assert gate.charged == [1]
    assert await service.photo_url(SPEC, user_id=2, is_admin=False) == LINK
    assert len(images.calls) == 1
    assert gate.charged == [1]
    await service.aclose()


async def test_a_cached_picture_is_served_past_the_quota() -> None:
    images, gate = FakeImages(), Gate()
    cache = DictCache()
    service = extras(images, gate, cache, wait=5.0)
    await service.photo_url(SPEC, user_id=1, is_admin=False)
    gate.allowed = False

    assert await service.photo_url(SPEC, user_id=2, is_admin=False) == LINK
    assert len(images.calls) == 1


async def test_past_the_quota_no_search_is_made() -> None:
    images, gate = FakeImages(), Gate(allowed=False)
    service = extras(images, gate, DictCache(), wait=5.0)

    assert await service.photo_url(SPEC, user_id=1, is_admin=False) is None
    assert images.calls == []


async def test_closing_stops_a_search_still_running() -> None:
    images, gate = FakeImages(hang=True), Gate()
    service = extras(images, gate, DictCache(), wait=0.01)
    assert await service.photo_url(SPEC, user_id=1, is_admin=False) is None

    async with asyncio.timeout(30):  # a failure bound: aclose cancels the search at once
        await service.aclose()

    assert gate.charged == []


async def test_a_search_failing_after_the_wait_is_not_charged() -> None:
    images, gate = FakeImages(delay=0.05, error=ConnectionError("reset")), Gate()
    service = extras(images, gate, DictCache(), wait=0.01)

    assert await service.photo_url(SPEC, user_id=1, is_admin=False) is None
    await asyncio.sleep(0.3)  # well past the search's end

    assert len(images.calls) == 1
    assert gate.charged == []


async def test_askers_of_a_model_being_searched_share_the_search_without_reserving() -> None:
    """Fifty users asking at once for a model's first picture cause one reservation and one
    search, charged to the user who started it; all fifty get the picture."""
    images, gate = FakeImages(delay=0.05), Gate()
    service = extras(images, gate, DictCache(), wait=5.0)

    found = await asyncio.gather(
        *(service.photo_url(SPEC, user_id=user, is_admin=False) for user in range(1, 51))
    )

    assert found == [LINK] * 50
    assert (gate.reserved, gate.charged, len(images.calls)) == ([1], [1], 1)


async def test_when_the_searching_asker_has_no_allowance_another_asks_with_theirs() -> None:
    """A user past the quota starts the search and is refused; the user who joined it searches
    with their own allowance and gets the picture, charged to them."""
    images, gate = FakeImages(), Gate(refused_users={1})
    service = extras(images, gate, DictCache(), wait=5.0)

    found = await asyncio.gather(
        service.photo_url(SPEC, user_id=1, is_admin=False),
        service.photo_url(SPEC, user_id=2, is_admin=False),
    )

    assert found == [None, LINK]
    assert (gate.reserved, gate.charged, len(images.calls)) == ([1, 2], [2], 1)
