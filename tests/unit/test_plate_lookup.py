"""Plate lookups: CarsXE /v2/platedecoder on respx, and the validating, caching service."""

from __future__ import annotations

import httpx
import pytest
import respx
from structlog.testing import capture_logs

from tests.fakes.beyond import HONDA_VIN, FakePlates
from tests.fakes.carsxe_server import plate_body
from tests.fakes.providers import DictCache
from tests.unit.carsxe_support import carsxe_client
from vinbot.cache import keys
from vinbot.clients.breaker import BreakerState, CircuitBreaker
from vinbot.clients.carsxe import CarsXEClient
from vinbot.models.errors import (
    BadProviderResponse,
    InvalidPlate,
    InvalidRegion,
    PlateNotFound,
    PlateRegionRejected,
    ProviderAuthError,
    ProviderUnavailable,
)
from vinbot.models.plate import PlateResult
from vinbot.services.plate import (
    NO_VEHICLE_TTL,
    REGION_REJECTED_TTL,
    PlateService,
    dump_plate,
    load_plate,
)

KEY = "sk_live_Plate0SecretKey"


@pytest.fixture
def breaker() -> CircuitBreaker:
    return CircuitBreaker("carsxe", failure_threshold=2)


@pytest.fixture
def client(http: httpx.AsyncClient, breaker: CircuitBreaker) -> CarsXEClient:
    return carsxe_client(http, KEY, breaker=breaker)


def plate_route(upstream: respx.MockRouter) -> respx.Route:
    return upstream.get("/v2/platedecoder")


# The client


async def test_a_plate_decodes_to_its_vin(client: CarsXEClient, upstream: respx.MockRouter) -> None:
    """The common plate-decoder fields map onto PlateResult; the inputs are sent as given."""
    route = plate_route(upstream).mock(
        return_value=httpx.Response(200, json=plate_body("7ABC123", "CA"))
    )

    result = await client.plate_decode("7ABC123", "CA")

    assert result == PlateResult(
        plate="7ABC123",
        country="US",
        state="CA",
        vin=HONDA_VIN,
        year=2003,
        make="Honda",
        model="Accord",
        trim="EX",
        description="2003 Honda Accord EX",
        style="Sedan 4D",
        body_style="Sedan",
        color="Silver",
        fuel_type="Gasoline",
        engine_size="3.0L V6",
        drive_type="FWD",
        transmission="Automatic",
    )
    assert dict(route.calls.last.request.url.params) == {
        "plate": "7ABC123",
        "state": "CA",
        "country": "US",
        "key": KEY,
    }


async def test_a_malformed_vin_is_dropped_but_the_vehicle_kept(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """A registry VIN that is not 17 VIN characters becomes None; make and model stay."""
    body = {**plate_body("AB12CDE", None, "GB"), "vin": "WVWZZZ1KZ"}
    plate_route(upstream).mock(return_value=httpx.Response(200, json=body))

    result = await client.plate_decode("AB12CDE", None, "GB")

    assert (result.vin, result.make, result.state) == (None, "Honda", None)


@pytest.mark.parametrize(
    ("status", "message", "error", "paid"),
    [
        (404, "No data found for this plate", PlateNotFound, True),
        (404, "Country ZZ is not supported", PlateRegionRejected, True),
        (400, "Invalid state for country US", PlateRegionRejected, False),
        (400, "Missing plate", PlateNotFound, False),
        (404, None, PlateNotFound, True),
    ],
)
async def test_no_vehicle_and_unsupported_regions(
    client: CarsXEClient,
    upstream: respx.MockRouter,
    breaker: CircuitBreaker,
    status: int,
    message: str | None,
    error: type[PlateNotFound],
    paid: bool,
) -> None:
    """404/400 become PlateNotFound or PlateRegionRejected, once, and keep the circuit closed."""
    body = None if message is None else {"success": False, "message": message}
    route = plate_route(upstream).mock(return_value=httpx.Response(status, json=body))

    for _ in range(3):
        with pytest.raises(error) as caught:
            await client.plate_decode("ABC123", "ZZ", "ZZ")
        assert type(caught.value) is error
        assert caught.value.paid_call_made is paid

    assert route.call_count == 3
    assert breaker.state is BreakerState.CLOSED


async def test_a_success_naming_no_vehicle_is_not_found(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """A success body with no VIN, make or model is PlateNotFound."""
    plate_route(upstream).mock(return_value=httpx.Response(200, json={"success": True}))

    with pytest.raises(PlateNotFound):
        await client.plate_decode("ABC123", "TX")


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(200, text="<html/>"), BadProviderResponse),
        (httpx.Response(200, json={"success": False, "message": "Odd"}), BadProviderResponse),
        (httpx.Response(403, json={"success": False, "message": "Plan"}), ProviderAuthError),
        (httpx.Response(502), ProviderUnavailable),
    ],
)
async def test_failures_are_typed_and_key_free(
    client: CarsXEClient,
    upstream: respx.MockRouter,
    response: httpx.Response,
    error: type[Exception],
) -> None:
    """Garbage, plan refusals and outages raise their domain errors without the key."""
    plate_route(upstream).mock(return_value=response)

    with capture_logs() as logs, pytest.raises(error) as caught:
        await client.plate_decode("ABC123", "TX")

    assert not isinstance(caught.value, PlateNotFound)
    assert KEY not in repr(caught.value)
    assert KEY not in repr(logs)


# The service


@pytest.fixture
def plates() -> FakePlates:
    return FakePlates()


@pytest.fixture
def cache() -> DictCache:
    return DictCache()


@pytest.fixture
def service(plates: FakePlates, cache: DictCache) -> PlateService:
    return PlateService(plates, cache)


async def test_a_lookup_is_paid_once_then_cached(
    service: PlateService, plates: FakePlates, cache: DictCache
) -> None:
    """The first lookup is counted and cached for the plate TTL; spacing and case don't matter."""
    result, paid = await service.lookup("7abc 123", "ca")
    again, paid_again = await service.lookup("7ABC-123", "CA", "us")

    assert (paid, paid_again) == (True, False)
    assert again == result
    assert result.vin == HONDA_VIN
    assert plates.calls == [("7ABC123", "CA", "US")]
    assert cache.ttls[keys.plate_key("7ABC123", country="US", state="CA")] == keys.PLATE_TTL


@pytest.mark.parametrize(
    ("plate", "state", "country", "error"),
    [
        ("AB#1", "CA", "US", InvalidPlate),
        ("", "CA", "US", InvalidPlate),
        ("ABC123", None, "US", InvalidRegion),
        ("ABC123", "XX", "US", InvalidRegion),
        ("ABC123", "NSW", "CA", InvalidRegion),
        ("ABC123", None, "USA", InvalidRegion),
    ],
)
async def test_invalid_input_makes_no_paid_call(
    service: PlateService,
    plates: FakePlates,
    plate: str,
    state: str | None,
    country: str,
    error: type[Exception],
) -> None:
    """Bad plate characters and missing or unknown state codes are refused before any call."""
    with pytest.raises(error):
        await service.lookup(plate, state, country)

    assert plates.calls == []


async def test_other_countries_need_no_state(service: PlateService, plates: FakePlates) -> None:
    """A plate outside the US, Canada and Australia is looked up with no state."""
    result, _ = await service.lookup("AB12 CDE", None, "gb")

    assert (result.country, result.state) == ("GB", None)
    assert plates.calls == [("AB12CDE", None, "GB")]


async def test_no_vehicle_is_remembered_briefly(
    service: PlateService, plates: FakePlates, cache: DictCache
) -> None:
    """PlateNotFound is counted once, cached for an hour, and raised again without a call."""
    plates.error = PlateNotFound("carsxe")

    with pytest.raises(PlateNotFound) as first:
        await service.lookup("ABC123", "TX")
    with pytest.raises(PlateNotFound) as second:
        await service.lookup("ABC123", "TX")

    assert (first.value.paid_call_made, second.value.paid_call_made) == (True, False)
    assert len(plates.calls) == 1
    assert cache.ttls[keys.plate_key("ABC123", state="TX")] == NO_VEHICLE_TTL


async def test_an_unsupported_region_is_remembered(
    service: PlateService, plates: FakePlates, cache: DictCache
) -> None:
    """A region CarsXE rejects is remembered and raised again with its country and state."""
    plates.error = PlateRegionRejected("carsxe", country="NZ", state=None)

    for _ in range(2):
        with pytest.raises(PlateRegionRejected) as caught:
            await service.lookup("ABC123", None, "NZ")
        assert (caught.value.country, caught.value.state) == ("NZ", None)

    assert len(plates.calls) == 1
    assert cache.ttls[keys.plate_key("ABC123", country="NZ")] == REGION_REJECTED_TTL


async def test_outages_are_not_cached(
    service: PlateService, plates: FakePlates, cache: DictCache
) -> None:
    """A provider failure propagates and the next lookup asks again."""
    plates.error = ProviderUnavailable("carsxe", "timeout")

    with pytest.raises(ProviderUnavailable):
        await service.lookup("ABC123", "TX")

    assert cache.data == {}


def test_cached_results_round_trip() -> None:
    """dump_plate and load_plate keep every field; foreign values are misses."""
    result = PlateResult("ABC123", "US", "TX", HONDA_VIN, 2003, "Honda", "Accord", color="Red")

    assert load_plate(dump_plate(result)) == result
    for text in ("[]", '{"v": 1, "plate": 1, "country": "US"}', '{"v": 1}', '{"v":1,"none":"x"}'):
        assert load_plate(text) is None
    assert load_plate('{"v": 1, "plate": "A", "country": "US", "year": "2003"}') is None
    assert load_plate('{"v": 1, "plate": "A", "country": "US", "make": 5}') is None
