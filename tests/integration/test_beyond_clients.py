"""Recalls, market value, photo, VIN OCR and plate clients over 127.0.0.1 against the fakes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from tests.fakes.carsxe_server import (
    Canned,
    FakeCarsXE,
    images_body,
    market_value_no_internet,
    not_found,
    plate_not_found,
    recalls_body,
)
from tests.fakes.nhtsa_server import FakeNhtsa, nhtsa_recall, no_match_quirk
from tests.fakes.providers import DictCache
from vinbot.clients.breaker import CircuitBreaker
from vinbot.clients.carsxe import CarsXEClient, carsxe_http_client
from vinbot.clients.nhtsa import NhtsaVpicClient, nhtsa_http_client
from vinbot.clients.nhtsa_recalls import NhtsaRecallsClient, nhtsa_recalls_http_client
from vinbot.clients.offline import OfflineProvider
from vinbot.clients.retry import RetryPolicy
from vinbot.config import Secret
from vinbot.models.errors import (
    BadProviderResponse,
    MarketValueNotFound,
    PlateNotFound,
    PlateRegionRejected,
    ProviderUnavailable,
    VinNotFound,
)
from vinbot.models.ocr import Candidates, Decided
from vinbot.models.recalls import RecallNote
from vinbot.services.decoding import DecodeService
from vinbot.services.ocr import VinOcrService
from vinbot.services.plate import PlateService
from vinbot.services.recalls import RecallsService

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import httpx

HONDA_VIN = "1HGCM82633A004352"
BMW_VIN = "WBAFR7C57CC811956"
JEEP_VIN = "1C4JJXR64PW696340"
PHOTO = b"\x89PNG\r\n\x1a\n pretend this is a photo of a VIN plate"


async def no_wait(_seconds: float) -> None:
    """Backoff that returns at once, so retries cost no wall time."""


def instant_retry() -> RetryPolicy:
    return RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, deadline=5.0, sleep=no_wait)


@pytest.fixture
async def carsxe() -> AsyncIterator[FakeCarsXE]:
    async with FakeCarsXE() as server:
        yield server


@pytest.fixture
async def nhtsa() -> AsyncIterator[FakeNhtsa]:
    async with FakeNhtsa() as server:
        yield server


@pytest.fixture
async def carsxe_http(carsxe: FakeCarsXE) -> AsyncIterator[httpx.AsyncClient]:
    async with carsxe_http_client(carsxe.base_url, timeout=2.0) as http:
        yield http


@pytest.fixture
async def recalls_http(nhtsa: FakeNhtsa) -> AsyncIterator[httpx.AsyncClient]:
    async with nhtsa_recalls_http_client(nhtsa.recalls_base_url, timeout=2.0) as http:
        yield http


@pytest.fixture
async def vpic_http(nhtsa: FakeNhtsa) -> AsyncIterator[httpx.AsyncClient]:
    async with nhtsa_http_client(nhtsa.base_url, timeout=2.0) as http:
        yield http


@pytest.fixture
def client(carsxe: FakeCarsXE, carsxe_http: httpx.AsyncClient) -> CarsXEClient:
    return CarsXEClient(
        carsxe_http,
        api_key=Secret(carsxe.api_key),
        breaker=CircuitBreaker("carsxe", failure_threshold=3),
        retry=instant_retry(),
    )


@pytest.fixture
def recalls_client(recalls_http: httpx.AsyncClient) -> NhtsaRecallsClient:
    return NhtsaRecallsClient(
        recalls_http, breaker=CircuitBreaker("nhtsa-recalls"), retry=instant_retry()
    )


async def test_carsxe_recalls_from_the_fake(client: CarsXEClient, carsxe: FakeCarsXE) -> None:
    """The fake's full records come back sorted, and per-VIN answers are honoured."""
    carsxe.recalls[HONDA_VIN] = not_found()
    carsxe.recalls[BMW_VIN] = recalls_body(BMW_VIN, [])

    report = await client.recalls(JEEP_VIN)
    with pytest.raises(VinNotFound):
        await client.recalls(HONDA_VIN)
    empty = await client.recalls(BMW_VIN)

    assert [r.campaign_id for r in report.recalls] == ["23V123000", "22V500000"]
    assert report.recalls[0].do_not_drive is True
    assert empty.count == 0
    assert carsxe.count("/v1/recalls") == 3
    assert carsxe.calls[0].params == {"vin": JEEP_VIN, "key": carsxe.api_key}


async def test_market_value_from_the_fake(client: CarsXEClient, carsxe: FakeCarsXE) -> None:
    """Ranges come from every condition bucket; the fake's failures map to domain errors."""
    value = await client.market_value(BMW_VIN, mileage=85_000, state="CA", condition="clean")

    assert value.retail is not None
    assert value.trade_in is not None
    assert (value.retail.low, value.retail.high) == (6_400, 10_400)
    assert (value.trade_in.low, value.trade_in.high) == (2_400, 4_700)
    assert (value.mileage, value.state, value.condition) == (85_000, "CA", "clean")
    assert carsxe.calls[-1].params["mileage"] == "85000"

    carsxe.market_values[BMW_VIN] = market_value_no_internet()
    with pytest.raises(ProviderUnavailable):
        await client.market_value(BMW_VIN, mileage=1)
    carsxe.market_values[BMW_VIN] = not_found()
    with pytest.raises(MarketValueNotFound):
        await client.market_value(BMW_VIN, mileage=1)


async def test_images_from_the_fake(client: CarsXEClient, carsxe: FakeCarsXE) -> None:
    """The first link is returned, an empty list is None, and a v1 500 is retried once."""
    carsxe.images[("tesla", "model 3")] = images_body("Tesla", "Model 3", count=0)

    assert await client.images("BMW", "X5", 2020) == "https://images.example.test/bmw-x5-1.jpg"
    assert await client.images("Tesla", "Model 3") is None
    with pytest.raises(ProviderUnavailable):
        await client.images("", "X5")
    assert carsxe.count("/images") == 4


async def test_vin_ocr_uploads_the_bytes_as_base64(
    client: CarsXEClient, carsxe: FakeCarsXE
) -> None:
    """The fake decodes exactly the bytes sent; its documented answer is a confident read."""
    carsxe.ocr[b"blurry"] = {
        "success": True,
        "vin": "JHLRD77874C026457",
        "confidence": 0.55,
        "candidates": [{"vin": "JHLRD77874C026456", "confidence": 0.5}],
    }
    service = VinOcrService(client)

    decided = await service.read(PHOTO)
    doubtful = await service.read(b"blurry")

    assert decided == Decided(
        "JHLRD77874C026456", pytest.approx(0.9834, abs=1e-4), paid_call_made=True
    )
    assert isinstance(doubtful, Candidates)
    assert [c.vin for c in doubtful.candidates] == ["JHLRD77874C026457", "JHLRD77874C026456"]
    assert carsxe.ocr_images == [PHOTO, b"blurry"]
    assert all(call.method == "POST" for call in carsxe.calls)


async def test_plates_from_the_fake(client: CarsXEClient, carsxe: FakeCarsXE) -> None:
    """A plate gives its VIN; unknown plates and unsupported countries are typed errors."""
    carsxe.plates[("US", "GONE1")] = plate_not_found()
    service = PlateService(client, DictCache())

    result, paid = await service.lookup("7abc 123", "ca")
    with pytest.raises(PlateNotFound):
        await service.lookup("GONE1", "TX")
    with pytest.raises(PlateRegionRejected):
        await service.lookup("ABC1", None, "ZZ")
    with pytest.raises(PlateRegionRejected):
        await client.plate_decode("ABC1", None, "US")

    assert (result.vin, paid) == (HONDA_VIN, True)
    assert carsxe.calls[0].params == {
        "plate": "7ABC123",
        "state": "CA",
        "country": "US",
        "key": carsxe.api_key,
    }


async def test_nhtsa_recalls_from_the_fake(
    recalls_client: NhtsaRecallsClient, nhtsa: FakeNhtsa
) -> None:
    """The fake's records map with null flags and day-first dates; the 400 quirk is empty."""
    nhtsa.recalls[("tesla", "model s", 2012)] = no_match_quirk()
    nhtsa.recalls[("ford", "galaxy", 2008)] = [nhtsa_recall("08V000001", received="13/05/2008")]

    honda = await recalls_client.recalls_by_vehicle("Honda", "Accord", 2003)
    tesla = await recalls_client.recalls_by_vehicle("Tesla", "Model S", 2012)
    ford = await recalls_client.recalls_by_vehicle("Ford", "Galaxy", 2008)

    assert [r.campaign_id for r in honda.recalls] == ["22V228000", "21V010000", "19V182000"]
    assert honda.recalls[1].do_not_drive is None
    assert tesla.count == 0
    assert ford.recalls[0].date == dt.date(2008, 5, 13)
    assert nhtsa.calls[0].params == {"make": "Honda", "model": "Accord", "modelYear": "2003"}


async def test_nhtsa_recalls_faults(recalls_client: NhtsaRecallsClient, nhtsa: FakeNhtsa) -> None:
    """Injected 503s are retried; an HTML page is a bad response."""
    nhtsa.fail_next(2, status=503)
    assert (await recalls_client.recalls_by_vehicle("Honda", "Accord", 2003)).count == 3
    assert nhtsa.count("/recalls/recallsByVehicle") == 3

    nhtsa.garbage_next()
    with pytest.raises(BadProviderResponse):
        await recalls_client.recalls_by_vehicle("Honda", "Accord", 2003)


async def test_recalls_service_end_to_end(
    client: CarsXEClient,
    recalls_client: NhtsaRecallsClient,
    vpic_http: httpx.AsyncClient,
    carsxe: FakeCarsXE,
    nhtsa: FakeNhtsa,
) -> None:
    """CarsXE answers by VIN; when it fails, vPIC's decode feeds NHTSA's recalls by model."""
    vpic = NhtsaVpicClient(vpic_http, breaker=CircuitBreaker("nhtsa"), retry=instant_retry())
    cache = DictCache()
    decoder = DecodeService([vpic], OfflineProvider(), cache)
    service = RecallsService(decoder, cache, carsxe=client, nhtsa=recalls_client)
    carsxe.recalls[HONDA_VIN] = Canned(503, {"success": False, "message": "Service Unavailable"})

    by_vin = await service.recalls(JEEP_VIN, allow_paid=True)
    fallback = await service.recalls(HONDA_VIN, allow_paid=True)

    assert (by_vin.report.source, by_vin.paid_call_made) == ("carsxe", True)
    assert (fallback.report.source, fallback.paid_call_made) == ("nhtsa", False)
    assert fallback.notes[0] is RecallNote.CARSXE_FAILED
    assert fallback.report.count == 3
    assert nhtsa.calls[-1].params == {"make": "Honda", "model": "Accord", "modelYear": "2003"}
    assert carsxe.count("/v1/recalls") == 1 + 3
