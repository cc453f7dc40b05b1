"""The decode service: validation, cache, provider chain, fallbacks and single-flight."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from tests.fakes.providers import DictCache, FakeProvider
from vinbot import budget
from vinbot.cache import keys
from vinbot.clients.offline import OfflineProvider
from vinbot.formatters.vin_words import decode_note
from vinbot.i18n import words_in
from vinbot.models.errors import (
    InvalidVin,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    VinNotFound,
)
from vinbot.models.vehicle import DecodeNote, VehicleSpec
from vinbot.services.decoding import DecodeService
from vinbot.services.spec_codec import dump_spec

HONDA = "1HGCM82633A004352"
BMW = "WBAFR7C57CC811956"


def standing_clock() -> float:
    """A budget clock that stands still: however late a loaded machine fires a provider's
    cut-off, the next provider keeps its share (a real clock's late timer could eat it all)."""
    return 0.0


def make_service(
    *providers: FakeProvider, cache: DictCache | None = None
) -> tuple[DecodeService, DictCache]:
    store = cache or DictCache()
    return DecodeService(providers, OfflineProvider(), store), store


async def test_invalid_vin_never_reaches_a_provider() -> None:
    """A VIN with a failed North-American check digit raises InvalidVin and calls nobody."""
    paid = FakeProvider("carsxe", paid=True)
    service, _ = make_service(paid)
    with pytest.raises(InvalidVin):
        await service.decode("1HGCM82623A004352")
    assert paid.calls == []


async def test_first_provider_answers_and_is_cached() -> None:
    """The first provider's answer is returned, cached for 30 days, and served from cache next."""
    paid = FakeProvider("carsxe", paid=True)
    free = FakeProvider("nhtsa")
    service, cache = make_service(paid, free)
    first = await service.decode(HONDA)
    second = await service.decode(HONDA.lower())
    assert first.source == "carsxe"
    assert not first.cached
    assert first.paid_call_made
    assert second.cached
    assert not second.paid_call_made
    assert paid.calls == [HONDA]
    assert free.calls == []
    assert cache.ttls[keys.spec_key(HONDA)] == keys.SPEC_TTL


async def test_failing_provider_falls_through_to_the_next_with_a_note() -> None:
    """When CarsXE is unavailable, NHTSA answers and the result says CarsXE did not answer."""
    paid = FakeProvider("carsxe", paid=True, error=ProviderUnavailable("carsxe", "timeout"))
    free = FakeProvider("nhtsa")
    service, _ = make_service(paid, free)
    result = await service.decode(HONDA)
    assert result.source == "nhtsa"
    assert result.unavailable == ("carsxe",)
    assert DecodeNote("failed", providers=("carsxe",), answered="nhtsa") in result.notes


async def test_all_providers_down_gives_the_offline_decode() -> None:
    """With every online provider failing, the offline decoder answers and nothing is cached."""
    paid = FakeProvider("carsxe", paid=True, error=ProviderQuotaExhausted("carsxe", "429"))
    free = FakeProvider("nhtsa", error=ProviderUnavailable("nhtsa", "502"))
    service, cache = make_service(paid, free)
    result = await service.decode(HONDA)
    assert result.source == "offline"
    assert result.unavailable == ("carsxe", "nhtsa")
    assert keys.spec_key(HONDA) not in cache.data


async def test_no_data_is_remembered_briefly_per_provider() -> None:
    """A provider's "no data" is cached for a day so the next decode does not ask it again."""
    paid = FakeProvider("carsxe", paid=True, error=VinNotFound("carsxe"))
    free = FakeProvider("nhtsa", error=VinNotFound("nhtsa"))
    service, cache = make_service(paid, free)
    await service.decode(BMW)
    result = await service.decode(BMW)
    assert result.source == "offline"
    assert result.unavailable == ()
    assert paid.calls == [BMW]
    assert free.calls == [BMW]
    assert cache.ttls[keys.not_found_key("carsxe", BMW)] == keys.NOT_FOUND_TTL


async def test_paid_provider_skipped_when_not_allowed() -> None:
    """With allow_paid=False the paid provider is not called and NHTSA answers."""
    paid = FakeProvider("carsxe", paid=True)
    free = FakeProvider("nhtsa")
    service, _ = make_service(paid, free)
    result = await service.decode(HONDA, allow_paid=False)
    assert result.source == "nhtsa"
    assert not result.paid_call_made
    assert paid.calls == []


async def test_cached_paid_answer_is_served_free_to_users_without_quota() -> None:
    """A CarsXE decode already in the cache is served to a user who may not make paid calls."""
    cache = DictCache()
    spec = VehicleSpec(vin=HONDA, source="carsxe", year=2003, make="Honda", model="Accord")
    await cache.set(keys.spec_key(HONDA), dump_spec(spec), 60)
    paid = FakeProvider("carsxe", paid=True)
    free = FakeProvider("nhtsa")
    service, _ = make_service(paid, free, cache=cache)
    result = await service.decode(HONDA, allow_paid=False)
    assert result.source == "carsxe"
    assert result.cached
    assert paid.calls == free.calls == []


async def test_cached_free_answer_is_upgraded_when_the_paid_provider_is_allowed() -> None:
    """A cached NHTSA decode is replaced by CarsXE's once a paid call is allowed."""
    paid = FakeProvider("carsxe", paid=True)
    free = FakeProvider("nhtsa")
    service, _ = make_service(paid, free)
    await service.decode(HONDA, allow_paid=False)
    upgraded = await service.decode(HONDA)
    again = await service.decode(HONDA)
    assert upgraded.source == "carsxe"
    assert again.cached
    assert len(paid.calls) == 1
    assert len(free.calls) == 1


async def test_fifty_concurrent_decodes_make_one_upstream_call() -> None:
    """Concurrent decodes of one VIN share a single upstream call, charged to one caller only."""
    paid = FakeProvider("carsxe", paid=True, delay=0.05)
    service, _ = make_service(paid)
    results = await asyncio.gather(*(service.decode(HONDA) for _ in range(50)))
    assert len(paid.calls) == 1
    assert sum(r.paid_call_made for r in results) == 1
    assert {r.source for r in results} == {"carsxe"}


async def test_cancelled_caller_does_not_cancel_the_shared_call() -> None:
    """When the first caller gives up, the others still get the shared answer."""
    paid = FakeProvider("carsxe", paid=True, delay=0.05)
    service, _ = make_service(paid)
    first = asyncio.create_task(service.decode(HONDA))
    second = asyncio.create_task(service.decode(HONDA))
    await asyncio.sleep(0.01)
    first.cancel()
    result = await second
    assert result.source == "carsxe"
    assert len(paid.calls) == 1


async def test_cache_outage_still_answers() -> None:
    """A cache that fails every call is a miss, and the provider still answers."""
    free = FakeProvider("nhtsa")
    service, _ = make_service(free, cache=DictCache(fail=True))
    result = await service.decode(HONDA)
    assert result.source == "nhtsa"


async def test_slow_provider_is_cut_off_by_the_deadline() -> None:
    """A provider that hangs past its share of the deadline is cut off and the next one asked."""
    slow = FakeProvider("carsxe", paid=True, delay=60)
    free = FakeProvider("nhtsa")
    service = DecodeService(
        (slow, free), OfflineProvider(), DictCache(), deadline_seconds=0.05, clock=standing_clock
    )
    result = await service.decode(HONDA)
    assert result.source == "nhtsa"
    assert result.unavailable == ("carsxe",)


async def test_only_answered_paid_calls_are_charged() -> None:
    """A paid provider's outage is not charged; its "no data" answer is."""
    down = FakeProvider("carsxe", paid=True, error=ProviderUnavailable("carsxe", "502"))
    service, _ = make_service(down, FakeProvider("nhtsa"))
    assert not (await service.decode(HONDA)).paid_call_made
    empty = FakeProvider("carsxe", paid=True, error=VinNotFound("carsxe"))
    service, _ = make_service(empty, FakeProvider("nhtsa"))
    assert (await service.decode(HONDA)).paid_call_made


async def test_paid_permission_is_asked_only_before_a_paid_call() -> None:
    """A lazy permission is not consulted for cache hits or free providers, once otherwise."""
    asked: list[str] = []

    class Refuse:
        async def ask(self) -> bool:
            asked.append("asked")
            return False

        def settle(self, *, paid: bool) -> None:
            asked.append(f"settled paid={paid}")

    may_pay = Refuse()

    paid = FakeProvider("carsxe", paid=True)
    service, _ = make_service(paid, FakeProvider("nhtsa"))
    first = await service.decode(HONDA, allow_paid=may_pay)
    assert first.source == "nhtsa"
    assert asked == ["asked", "settled paid=False"]
    assert paid.calls == []
    cached_paid = FakeProvider("carsxe", paid=True)
    warm, _ = make_service(cached_paid)
    await warm.decode(BMW)
    asked.clear()
    await warm.decode(BMW, allow_paid=may_pay)
    assert asked == []


class SteppedClock:
    """A monotonic clock that moves only when a fake provider spends time."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class BudgetedProvider(FakeProvider):
    """A provider that honours the time budget as the real clients do: it records what it
    was given, spends all of it (or `answers_after` seconds) and then times out."""

    clock: SteppedClock = field(default_factory=SteppedClock)
    answers_after: float | None = None
    budgets: list[float] = field(default_factory=list)

    async def decode(self, vin: str) -> VehicleSpec:
        left = budget.remaining()
        assert left is not None
        self.budgets.append(left)
        if self.answers_after is not None and self.answers_after <= left:
            self.clock.now += self.answers_after
            return VehicleSpec(vin=vin, source=self.provider_name, make="BMW")
        self.clock.now += left
        raise ProviderUnavailable(self.provider_name, f"no answer within {left:g} s")


async def test_providers_share_one_deadline_and_the_answer_is_offline_in_time() -> None:
    """Both providers hanging use 14 s of a 15 s deadline together (CarsXE two thirds), and the
    answer is the offline decode with an honest "in time" note."""
    clock = SteppedClock()
    carsxe = BudgetedProvider("carsxe", paid=True, clock=clock)
    nhtsa = BudgetedProvider("nhtsa", clock=clock)
    service = DecodeService(
        (carsxe, nhtsa), OfflineProvider(), DictCache(), deadline_seconds=15, clock=clock
    )
    started = clock()

    result = await service.decode(BMW)

    assert carsxe.budgets == [pytest.approx(14 * 2 / 3)]
    assert nhtsa.budgets == [pytest.approx(14 / 3)]
    assert clock() - started == pytest.approx(14)
    assert result.source == "offline"
    assert result.unavailable == ("carsxe", "nhtsa")
    assert result.notes == (DecodeNote("late", providers=("carsxe", "nhtsa"), answered="offline"),)
    assert decode_note(words_in("en"), result.notes[0]) == (
        "CarsXE and NHTSA did not answer in time, so this is only what the VIN itself says. "
        "Ask again in a few minutes for the full decode."
    )


async def test_a_hanging_first_provider_leaves_the_next_its_share() -> None:
    """CarsXE hanging costs its share only; NHTSA answers inside the rest of the deadline."""
    clock = SteppedClock()
    carsxe = BudgetedProvider("carsxe", paid=True, clock=clock)
    nhtsa = BudgetedProvider("nhtsa", clock=clock, answers_after=1.5)
    service = DecodeService(
        (carsxe, nhtsa), OfflineProvider(), DictCache(), deadline_seconds=6, clock=clock
    )
    started = clock()

    result = await service.decode(BMW)

    assert result.source == "nhtsa"
    assert result.unavailable == ("carsxe",)
    assert "did not answer just now" in decode_note(words_in("en"), result.notes[0])
    assert clock() - started < 6


async def test_a_provider_ignoring_the_budget_is_cut_off_inside_the_deadline() -> None:
    """A provider that never returns is cancelled at its share, and the next one is asked."""
    stuck = FakeProvider("carsxe", delay=60)
    free = FakeProvider("nhtsa")
    service = DecodeService(
        (stuck, free), OfflineProvider(), DictCache(), deadline_seconds=0.3, clock=standing_clock
    )

    result = await service.decode(HONDA)

    assert result.source == "nhtsa"
    assert result.unavailable == ("carsxe",)


async def test_a_paid_call_cut_off_or_sent_without_an_answer_is_charged() -> None:
    """A paid provider's failure that may have been billed is settled as paid."""
    maybe_billed = ProviderUnavailable("carsxe", "timeout (ReadTimeout)", paid_call_made=True)
    settled: list[bool] = []

    class Allow:
        async def ask(self) -> bool:
            return True

        def settle(self, *, paid: bool) -> None:
            settled.append(paid)

    for error in (maybe_billed, ProviderUnavailable("carsxe", "connection failed")):
        paid = FakeProvider("carsxe", paid=True, error=error)
        service, _ = make_service(paid, FakeProvider("nhtsa"))
        await service.decode(HONDA, allow_paid=Allow())
    assert settled == [True, False]
