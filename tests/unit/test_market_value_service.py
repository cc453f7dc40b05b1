"""MarketValueService: validation before any paid call, inputs in the cache key, counting."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.beyond import BMW_VIN, FakeMarketValues, market_value
from tests.fakes.providers import DictCache
from vinbot.cache import keys
from vinbot.models.errors import (
    InvalidCondition,
    InvalidMileage,
    InvalidRegion,
    InvalidVin,
    MarketValueNotFound,
    ProviderUnavailable,
)
from vinbot.services.market_value import NO_VALUE_TTL, MarketValueService, dump_value, load_value


@pytest.fixture
def source() -> FakeMarketValues:
    return FakeMarketValues()


@pytest.fixture
def cache() -> DictCache:
    return DictCache()


@pytest.fixture
def service(source: FakeMarketValues, cache: DictCache) -> MarketValueService:
    return MarketValueService(source, cache)


async def test_first_call_is_paid_and_cached_with_its_inputs(
    service: MarketValueService, source: FakeMarketValues, cache: DictCache
) -> None:
    """A valuation is fetched once, cached for hours under a key holding every input."""
    value, paid = await service.value(BMW_VIN, "85k", "ca", "Good")
    again, paid_again = await service.value(BMW_VIN.lower(), 85_000, "CA", "clean")

    assert (paid, paid_again) == (True, False)
    assert again == value
    assert (value.mileage, value.state, value.condition) == (85_000, "CA", "clean")
    assert source.calls == [(BMW_VIN, 85_000, "CA", "clean")]
    key = keys.market_value_key(BMW_VIN, mileage=85_000, state="CA", condition="clean")
    assert cache.ttls[key] == keys.MARKET_VALUE_TTL


async def test_different_inputs_are_different_valuations(
    service: MarketValueService, source: FakeMarketValues
) -> None:
    """Another mileage, state or condition is another paid call."""
    await service.value(BMW_VIN, 85_000)
    await service.value(BMW_VIN, 90_000)
    await service.value(BMW_VIN, 90_000, "NY")
    await service.value(BMW_VIN, 90_000, "NY", "rough")

    assert len(source.calls) == 4


@pytest.mark.parametrize(
    ("vin", "mileage", "state", "condition", "error"),
    [
        ("1HGCM82623A004352", 1, None, None, InvalidVin),
        (BMW_VIN, "lots", None, None, InvalidMileage),
        (BMW_VIN, -1, None, None, InvalidMileage),
        (BMW_VIN, 2_000_001, None, None, InvalidMileage),
        (BMW_VIN, 1, "ZZ", None, InvalidRegion),
        (BMW_VIN, 1, "Ontario", None, InvalidRegion),
        (BMW_VIN, 1, None, "mint", InvalidCondition),
    ],
)
async def test_bad_input_makes_no_call(
    service: MarketValueService,
    source: FakeMarketValues,
    vin: str,
    mileage: int | str,
    state: str | None,
    condition: str | None,
    error: type[Exception],
) -> None:
    """Invalid VIN, mileage, state or condition is refused before any paid call."""
    with pytest.raises(error):
        await service.value(vin, mileage, state, condition)

    assert source.calls == []


async def test_no_valuation_is_remembered_briefly(
    service: MarketValueService, source: FakeMarketValues, cache: DictCache
) -> None:
    """ "No data" is counted once, cached for less time than a price, and not asked again."""
    source.error = MarketValueNotFound("carsxe")

    with pytest.raises(MarketValueNotFound) as first:
        await service.value(BMW_VIN, 1)
    with pytest.raises(MarketValueNotFound) as second:
        await service.value(BMW_VIN, 1)

    assert (first.value.paid_call_made, second.value.paid_call_made) == (True, False)
    assert len(source.calls) == 1
    key = keys.market_value_key(BMW_VIN, mileage=1)
    assert cache.ttls[key] == NO_VALUE_TTL < keys.MARKET_VALUE_TTL


async def test_failures_are_not_cached(
    service: MarketValueService, source: FakeMarketValues, cache: DictCache
) -> None:
    """An outage propagates, nothing is cached, and the next call asks again."""
    source.error = ProviderUnavailable("carsxe", "timeout")

    with pytest.raises(ProviderUnavailable):
        await service.value(BMW_VIN, 1)

    assert cache.data == {}
    source.error = None
    _, paid = await service.value(BMW_VIN, 1)
    assert paid
    assert len(source.calls) == 2


def test_cached_valuations_round_trip() -> None:
    """dump_value and load_value keep ranges, inputs and details."""
    value = market_value(state="TX", condition="average")

    assert load_value(dump_value(value)) == value


@pytest.mark.parametrize(
    "text",
    [
        "nope",
        '{"v": 2}',
        '{"v": 1, "vin": 5}',
        '{"v": 1, "vin": "X", "condition": "mint"}',
        '{"v": 1, "vin": "X", "retail": {"clean": "9000"}}',
        '{"v": 1, "vin": "X", "retail": [1, 2]}',
    ],
)
def test_foreign_cache_values_load_as_none(text: str) -> None:
    """Anything dump_value did not write reads as a miss."""
    assert load_value(text) is None


async def test_a_double_tap_makes_one_paid_call(
    service: MarketValueService, source: FakeMarketValues
) -> None:
    """Two requests for the same valuation at once: one request, and only one is counted."""
    source.delay = 0.01

    outcomes = await asyncio.gather(
        service.value(BMW_VIN, 85_000, "CA"), service.value(BMW_VIN, "85k", "ca")
    )

    assert len(source.calls) == 1
    assert outcomes[0][0] == outcomes[1][0]
    assert sorted(paid for _, paid in outcomes) == [False, True]


async def test_a_shared_no_valuation_is_counted_once(
    service: MarketValueService, source: FakeMarketValues
) -> None:
    source.delay = 0.01
    source.error = MarketValueNotFound("carsxe")

    outcomes = await asyncio.gather(
        service.value(BMW_VIN, 85_000), service.value(BMW_VIN, 85_000), return_exceptions=True
    )

    assert len(source.calls) == 1
    assert all(isinstance(outcome, MarketValueNotFound) for outcome in outcomes)
    assert sorted(o.paid_call_made for o in outcomes if isinstance(o, MarketValueNotFound)) == [
        False,
        True,
    ]
