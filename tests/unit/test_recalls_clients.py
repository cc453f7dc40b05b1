"""CarsXE /v1/recalls and NHTSA recallsByVehicle on respx: wire bodies to RecallReports."""

from __future__ import annotations

import datetime as dt
import traceback
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx
from structlog.testing import capture_logs

from tests.fakes.carsxe_server import carsxe_recall, load_fixture, recalls_body
from tests.fakes.nhtsa_server import nhtsa_recall, recalls_envelope
from vinbot.clients.breaker import BreakerState, CircuitBreaker
from vinbot.clients.carsxe import CarsXEClient, carsxe_date, carsxe_http_client
from vinbot.clients.nhtsa_recalls import (
    NhtsaRecallsClient,
    nhtsa_date,
    nhtsa_recalls_http_client,
)
from vinbot.clients.retry import RetryPolicy
from vinbot.clients.wire import RejectedRequest, model_year
from vinbot.config import Secret
from vinbot.models.errors import (
    CIRCUIT_OPEN,
    BadProviderResponse,
    ProviderAuthError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    VinNotFound,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

CARSXE_URL = "https://carsxe.test"
NHTSA_URL = "https://nhtsa.test"
KEY = "sk_live_Recalls0SecretKey"
VIN = "1C4JJXR64PW696340"
RECALLS_PATH = "/recalls/recallsByVehicle"


def fixture(name: str) -> dict[str, Any]:
    return load_fixture(f"carsxe/{name}")


async def no_wait(_seconds: float) -> None:
    """Backoff that returns at once."""


def retry() -> RetryPolicy:
    return RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, sleep=no_wait)


@pytest.fixture
async def carsxe_http() -> AsyncIterator[httpx.AsyncClient]:
    async with carsxe_http_client(CARSXE_URL, timeout=1.0) as client:
        yield client


@pytest.fixture
async def nhtsa_http() -> AsyncIterator[httpx.AsyncClient]:
    async with nhtsa_recalls_http_client(NHTSA_URL, timeout=1.0) as client:
        yield client


@pytest.fixture
def upstream() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def carsxe(carsxe_http: httpx.AsyncClient) -> CarsXEClient:
    breaker = CircuitBreaker("carsxe", failure_threshold=3)
    return CarsXEClient(carsxe_http, api_key=Secret(KEY), breaker=breaker, retry=retry())


@pytest.fixture
def nhtsa_breaker() -> CircuitBreaker:
    return CircuitBreaker("nhtsa", failure_threshold=2)


@pytest.fixture
def nhtsa(nhtsa_http: httpx.AsyncClient, nhtsa_breaker: CircuitBreaker) -> NhtsaRecallsClient:
    return NhtsaRecallsClient(nhtsa_http, breaker=nhtsa_breaker, retry=retry())


def carsxe_route(upstream: respx.MockRouter) -> respx.Route:
    return upstream.get(f"{CARSXE_URL}/v1/recalls")


def nhtsa_route(upstream: respx.MockRouter) -> respx.Route:
    return upstream.get(f"{NHTSA_URL}{RECALLS_PATH}")


def everything_said(exc: BaseException) -> str:
    parts = ["".join(traceback.format_exception(exc)), str(exc), repr(exc)]
    chained = exc.__cause__ or exc.__context__
    if chained is not None:
        parts.append(everything_said(chained))
    return "\n".join(parts)


# CarsXE /v1/recalls


async def test_documented_example_without_a_list_is_an_empty_report(
    carsxe: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """The docs' body (no recalls list, no count) is a VIN-level report with no campaigns."""
    route = carsxe_route(upstream).mock(
        return_value=httpx.Response(200, json=fixture("recalls_success.json"))
    )

    report = await carsxe.recalls(VIN)

    assert (report.source, report.vin, report.year, report.count) == ("carsxe", VIN, 2023, 0)
    assert report.vin_specific
    assert dict(route.calls.last.request.url.params) == {"vin": VIN, "key": KEY}


async def test_full_records_become_sorted_recalls(
    carsxe: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """Every record field is mapped, and the do-not-drive campaign comes first."""
    carsxe_route(upstream).mock(return_value=httpx.Response(200, json=recalls_body(VIN)))

    report = await carsxe.recalls(VIN)

    assert (report.make, report.model, report.count) == ("Jeep", "Wrangler", 2)
    first, second = report.recalls
    assert first.campaign_id == "23V123000"
    assert first.date == dt.date(2023, 3, 2)
    assert (first.do_not_drive, first.stop_sale, first.remedy_available) == (True, True, False)
    assert first.component == "AIR BAGS"
    assert first.summary == "A defect in the air bags may develop."
    assert first.consequence == "This can increase the risk of a crash."
    assert first.remedy == "Dealers will repair the vehicle free of charge."
    assert (first.status, first.manufacturer) == ("Open", "FCA US LLC")
    assert first.park_outside is None
    assert second.campaign_id == "22V500000"
    assert not second.dangerous


async def test_null_flags_stay_unknown(carsxe: CarsXEClient, upstream: respx.MockRouter) -> None:
    """Null stop_sale, dont_drive and remedy_available are unknown, not False."""
    record = carsxe_recall(dont_drive=None, stop_sale=None, remedy_available=None)
    carsxe_route(upstream).mock(return_value=httpx.Response(200, json=recalls_body(VIN, [record])))

    (only,) = (await carsxe.recalls(VIN)).recalls

    assert (only.do_not_drive, only.stop_sale, only.remedy_available) == (None, None, None)


async def test_a_campaign_without_a_number_keeps_a_stable_id(
    carsxe: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """A record with no NHTSA or maker number is kept, under the same made-up id every time."""
    record = carsxe_recall(nhtsa_id="", manufacturer_id=None)
    carsxe_route(upstream).mock(return_value=httpx.Response(200, json=recalls_body(VIN, [record])))

    first = (await carsxe.recalls(VIN)).recalls[0].campaign_id
    second = (await carsxe.recalls(VIN)).recalls[0].campaign_id

    assert first == second
    assert first.startswith("unnumbered-")


@pytest.mark.parametrize(
    "data",
    [
        {"recall_count": 2},
        {"has_recalls": True},
        {"recalls": {"0": {}}},
        {"recalls": ["not a record"]},
    ],
)
async def test_inconsistent_bodies_are_bad_responses(
    carsxe: CarsXEClient, upstream: respx.MockRouter, data: dict[str, Any]
) -> None:
    """Recalls counted but not listed, or a list that is not records, is never "no recalls"."""
    body = {"success": True, "input": {"vin": VIN}, "data": {"vin": VIN, **data}}
    carsxe_route(upstream).mock(return_value=httpx.Response(200, json=body))

    with pytest.raises(BadProviderResponse):
        await carsxe.recalls(VIN)


async def test_missing_data_is_a_bad_response(
    carsxe: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """A success body without a data object raises BadProviderResponse."""
    carsxe_route(upstream).mock(return_value=httpx.Response(200, json={"success": True}))

    with pytest.raises(BadProviderResponse):
        await carsxe.recalls(VIN)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, fixture("error_no_data_for_vin.json"), VinNotFound),
        (401, fixture("error_missing_api_key.json"), ProviderAuthError),
        (403, fixture("error_key_blocked.json"), ProviderAuthError),
        (429, fixture("error_quota_exceeded_429.json"), ProviderQuotaExhausted),
        (503, None, ProviderUnavailable),
    ],
)
async def test_error_statuses(
    carsxe: CarsXEClient,
    upstream: respx.MockRouter,
    status: int,
    body: object,
    error: type[Exception],
) -> None:
    """No data, bad keys, spent quota and outages become their domain errors, key-free."""
    carsxe_route(upstream).mock(return_value=httpx.Response(status, json=body))

    with capture_logs() as logs, pytest.raises(error) as caught:
        await carsxe.recalls(VIN)

    assert KEY not in everything_said(caught.value)
    assert KEY not in repr(logs)


async def test_garbage_is_a_bad_response_without_retry(
    carsxe: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """An HTML 200 raises BadProviderResponse after one call."""
    route = carsxe_route(upstream).mock(return_value=httpx.Response(200, text="<html>oops</html>"))

    with pytest.raises(BadProviderResponse):
        await carsxe.recalls(VIN)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-03-02", dt.date(2023, 3, 2)),
        ("2023-03-02T00:00:00.000Z", dt.date(2023, 3, 2)),
        ("4/8/2025", dt.date(2025, 4, 8)),
        ("2023-02-30", None),
        ("yesterday", None),
        (None, None),
        (20230302, None),
    ],
)
def test_carsxe_dates(text: object, expected: dt.date | None) -> None:
    """CarsXE dates are ISO or US month-first; anything else is unknown."""
    assert carsxe_date(text) == expected


# NHTSA recallsByVehicle


async def test_nhtsa_recall_texts_lose_direction_controls(
    nhtsa: NhtsaRecallsClient, upstream: respx.MockRouter
) -> None:
    """A right-to-left override inside a recall's words never reaches the Recall."""
    record = nhtsa_recall(
        component="SEAT\u202e BELTS",
        Summary="A defect\u202e may develop.",
        Remedy="\u2067Dealers\u2069 will repair it.\u200e",
    )
    nhtsa_route(upstream).mock(return_value=httpx.Response(200, json=recalls_envelope([record])))

    (recall,) = (await nhtsa.recalls_by_vehicle("Honda", "Accord", 2003)).recalls

    assert (recall.component, recall.summary, recall.remedy) == (
        "SEAT BELTS",
        "A defect may develop.",
        "Dealers will repair it.",
    )


async def test_nhtsa_records_become_a_model_level_report(
    nhtsa: NhtsaRecallsClient, upstream: respx.MockRouter
) -> None:
    """Records map field by field, null flags stay unknown, and dangerous ones lead."""
    records = [
        nhtsa_recall("19V182000", received="08/03/2019", component="SEAT BELTS"),
        nhtsa_recall("21V010000", received="27/01/2021", park_it=None, park_outside=True),
        nhtsa_recall("22V228000", received="01/04/2022", park_it=True, park_outside=None),
    ]
    route = nhtsa_route(upstream).mock(
        return_value=httpx.Response(200, json=recalls_envelope(records))
    )

    report = await nhtsa.recalls_by_vehicle(" Honda ", "Accord", 2003)

    assert (report.source, report.make, report.model, report.year) == (
        "nhtsa",
        "Honda",
        "Accord",
        2003,
    )
    assert not report.vin_specific
    assert report.us_market_only
    assert [r.campaign_id for r in report.recalls] == ["22V228000", "21V010000", "19V182000"]
    do_not_drive, park_outside, seat_belts = report.recalls
    assert (do_not_drive.do_not_drive, do_not_drive.park_outside) == (True, None)
    assert (park_outside.do_not_drive, park_outside.park_outside) == (None, True)
    assert park_outside.date == dt.date(2021, 1, 27)
    assert seat_belts.date == dt.date(2019, 3, 8)
    assert seat_belts.component == "SEAT BELTS"
    assert seat_belts.summary == "A defect in the seat belts may develop."
    assert seat_belts.consequence == "This can increase the risk of injury."
    assert seat_belts.remedy == "Dealers will repair the vehicle free of charge."
    assert seat_belts.manufacturer == "American Honda Motor Co."
    assert seat_belts.over_the_air is False
    assert (seat_belts.stop_sale, seat_belts.remedy_available) == (None, None)
    assert dict(route.calls.last.request.url.params) == {
        "make": "Honda",
        "model": "Accord",
        "modelYear": "2003",
    }


async def test_no_match_as_http_400_is_an_empty_report(
    nhtsa: NhtsaRecallsClient, upstream: respx.MockRouter, nhtsa_breaker: CircuitBreaker
) -> None:
    """NHTSA's 400 with Count 0 and no results means no recalls: one call, no error."""
    route = nhtsa_route(upstream).mock(return_value=httpx.Response(400, json=recalls_envelope([])))

    for _ in range(3):
        report = await nhtsa.recalls_by_vehicle("Honda", "Accord", 2003)
        assert report.count == 0

    assert route.call_count == 3
    assert nhtsa_breaker.state is BreakerState.CLOSED


async def test_a_real_400_is_a_rejected_request(
    nhtsa: NhtsaRecallsClient, upstream: respx.MockRouter
) -> None:
    """A 400 that is not the empty-result quirk is our mistake: RejectedRequest, not retried."""
    route = nhtsa_route(upstream).mock(
        return_value=httpx.Response(400, json={"Message": "Invalid parameter"})
    )

    with pytest.raises(RejectedRequest):
        await nhtsa.recalls_by_vehicle("Honda", "Accord", 2003)
    assert route.call_count == 1


async def test_upper_case_results_are_accepted(
    nhtsa: NhtsaRecallsClient, upstream: respx.MockRouter
) -> None:
    """An envelope with vPIC-style `Results` is read too."""
    body = {"Count": 1, "Message": "ok", "Results": [nhtsa_recall("20V100000")]}
    nhtsa_route(upstream).mock(return_value=httpx.Response(200, json=body))

    report = await nhtsa.recalls_by_vehicle("Honda", "Accord", 2003)

    assert report.campaign_ids == frozenset({"20V100000"})


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>Service Unavailable</html>"),
        httpx.Response(200, json={"Count": 1, "Message": "ok"}),
        httpx.Response(200, json={"Count": 1, "results": {"0": {}}}),
        httpx.Response(200, json={"Count": 1, "results": ["22V228000"]}),
        httpx.Response(200, json=[{"Count": 0}]),
    ],
)
async def test_nhtsa_garbage_is_a_bad_response(
    nhtsa: NhtsaRecallsClient, upstream: respx.MockRouter, response: httpx.Response
) -> None:
    """HTML, a missing or wrong results list, or records that are not objects are garbage."""
    route = nhtsa_route(upstream).mock(return_value=response)

    with pytest.raises(BadProviderResponse):
        await nhtsa.recalls_by_vehicle("Honda", "Accord", 2003)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, ProviderAuthError), (429, ProviderQuotaExhausted), (500, ProviderUnavailable)],
)
async def test_nhtsa_statuses(
    nhtsa: NhtsaRecallsClient, upstream: respx.MockRouter, status: int, error: type[Exception]
) -> None:
    """Refusal, rate limiting and server errors become their domain errors."""
    nhtsa_route(upstream).mock(return_value=httpx.Response(status))

    with pytest.raises(error):
        await nhtsa.recalls_by_vehicle("Honda", "Accord", 2003)


async def test_gateway_errors_and_timeouts_are_retried(
    nhtsa: NhtsaRecallsClient, upstream: respx.MockRouter
) -> None:
    """A 503 and a timeout are retried, and the third answer is used."""
    route = nhtsa_route(upstream).mock(
        side_effect=[
            httpx.Response(503),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json=recalls_envelope([nhtsa_recall()])),
        ]
    )

    report = await nhtsa.recalls_by_vehicle("Honda", "Accord", 2003)

    assert report.count == 1
    assert route.call_count == 3


async def test_breaker_opens_on_garbage(
    nhtsa: NhtsaRecallsClient, upstream: respx.MockRouter, nhtsa_breaker: CircuitBreaker
) -> None:
    """Two garbage answers open the circuit; the third lookup makes no call."""
    route = nhtsa_route(upstream).mock(return_value=httpx.Response(200, text="<html/>"))
    for _ in range(2):
        with pytest.raises(BadProviderResponse):
            await nhtsa.recalls_by_vehicle("Honda", "Accord", 2003)

    with pytest.raises(ProviderUnavailable) as caught:
        await nhtsa.recalls_by_vehicle("Honda", "Accord", 2003)

    assert caught.value.reason == CIRCUIT_OPEN
    assert route.call_count == 2


def test_nhtsa_client_is_free(nhtsa: NhtsaRecallsClient) -> None:
    """NHTSA's recalls cost nothing."""
    assert nhtsa.is_paid is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("27/01/2022", dt.date(2022, 1, 27)),
        ("01/04/2022", dt.date(2022, 4, 1)),
        ("2022-01-27", dt.date(2022, 1, 27)),
        ("2022-01-27T00:00:00", dt.date(2022, 1, 27)),
        ("31/02/2022", None),
        ("01/27/2022", None),
        ("", None),
        (None, None),
    ],
)
def test_nhtsa_dates_are_day_first(text: object, expected: dt.date | None) -> None:
    """ReportReceivedDate is DD/MM/YYYY; impossible dates are unknown, never guessed."""
    assert nhtsa_date(text) == expected


@pytest.mark.parametrize(
    ("raw", "year"), [("2012", 2012), (2012, 2012), ("²⁰¹²", None), ("x", None)]
)
def test_model_year_takes_decimal_digits_only(raw: object, year: int | None) -> None:
    """An upstream year written in superscripts (isdigit() but not int()) is unknown, not a
    crash in the client."""
    assert model_year(raw) == year
