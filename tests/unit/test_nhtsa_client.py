"""NhtsaVpicClient on respx: DecodeVinValues to VehicleSpec, ErrorCode and statuses to errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from vinbot.clients.breaker import CircuitBreaker
from vinbot.clients.nhtsa import (
    WARNINGS,
    NhtsaVpicClient,
    decode_values_to_vehicle,
    error_codes,
    nhtsa_http_client,
)
from vinbot.clients.retry import RetryPolicy
from vinbot.models.errors import (
    BadProviderResponse,
    ProviderAuthError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    VinNotFound,
)
from vinbot.models.vehicle import Attr

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from vinbot.services.ports import VehicleDataProvider

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nhtsa"
BASE_URL = "https://vpic.test/api"
VIN = "1HGCM82633A004352"
DECODE_PATH = f"/api/vehicles/DecodeVinValues/{VIN}"


def honda() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (FIXTURES / f"decodevinvalues_results0_{VIN}.json").read_text(encoding="utf-8")
    )
    return loaded


def envelope(results: dict[str, Any], vin: str = VIN) -> dict[str, Any]:
    return {
        "Count": 1,
        "Message": "Results returned successfully.",
        "SearchCriteria": f"VIN(s): {vin}",
        "Results": [results],
    }


def with_fields(**fields: str) -> dict[str, Any]:
    return envelope({**honda(), **fields})


class Sleeps:
    """An instant sleep that remembers what it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with nhtsa_http_client(BASE_URL, timeout=1.0) as client:
        yield client


@pytest.fixture
def upstream() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(http: httpx.AsyncClient, sleeps: Sleeps) -> NhtsaVpicClient:
    retry = RetryPolicy(attempts=3, base_delay=0.1, max_delay=1.0, sleep=sleeps, random=lambda: 0.5)
    return NhtsaVpicClient(http, breaker=CircuitBreaker("nhtsa", failure_threshold=3), retry=retry)


def decode_route(upstream: respx.MockRouter, vin: str = VIN) -> respx.Route:
    return upstream.get(f"https://vpic.test/api/vehicles/DecodeVinValues/{vin}")


async def test_decodes_the_real_honda_example(
    client: NhtsaVpicClient, upstream: respx.MockRouter
) -> None:
    """The real 154-key Accord result maps onto year, make, model, trim and Attr names."""
    route = decode_route(upstream).mock(return_value=httpx.Response(200, json=envelope(honda())))

    spec = await client.decode(VIN)

    assert (spec.vin, spec.source, spec.year, spec.make, spec.model, spec.trim) == (
        VIN,
        "nhtsa",
        2003,
        "Honda",
        "Accord",
        "EX-V6",
    )
    assert {k: spec.attributes[k] for k in (Attr.ENGINE, Attr.TRANSMISSION, Attr.BODY)} == {
        Attr.ENGINE: "3.0L V6 SOHC",
        Attr.TRANSMISSION: "5-Speed Automatic",
        Attr.BODY: "Coupe",
    }
    assert spec.attributes[Attr.ENGINE_DISPLACEMENT_L] == "3.0"
    assert spec.attributes[Attr.ENGINE_CYLINDERS] == "6"
    assert spec.attributes[Attr.ENGINE_HP] == "240"
    assert spec.attributes[Attr.FUEL_TYPE] == "Gasoline"
    assert spec.attributes[Attr.DOORS] == "2"
    assert spec.attributes[Attr.VEHICLE_TYPE] == "Passenger Car"
    assert spec.attributes[Attr.PLANT_CITY] == "Marysville"
    assert spec.attributes[Attr.PLANT_STATE] == "Ohio"
    assert spec.attributes[Attr.PLANT_COUNTRY] == "United States (USA)"
    assert spec.attributes[Attr.MANUFACTURER] == "American Honda Motor Co., Inc."
    assert spec.attributes[Attr.GVWR].startswith("Class 1C")
    assert Attr.DRIVETRAIN not in spec.attributes
    assert spec.warnings == ()
    assert route.calls.last.request.url.params["format"] == "json"


async def test_the_given_base_url_path_is_kept(http: httpx.AsyncClient) -> None:
    """The request goes under the base URL's own path (/api/vehicles/...), not the host root."""
    with respx.mock(assert_all_called=False) as upstream:
        route = upstream.get(url__regex=r".*").mock(
            return_value=httpx.Response(200, json=envelope(honda()))
        )
        client = NhtsaVpicClient(http, breaker=CircuitBreaker("nhtsa"), retry=RetryPolicy())
        await client.decode(VIN)

    url = route.calls.last.request.url
    assert (url.host, url.path, dict(url.params)) == ("vpic.test", DECODE_PATH, {"format": "json"})


async def test_not_applicable_and_empty_values_are_absent(
    client: NhtsaVpicClient, upstream: respx.MockRouter
) -> None:
    """vPIC's empty strings and "Not Applicable" never become attributes."""
    decode_route(upstream).mock(return_value=httpx.Response(200, json=envelope(honda())))

    spec = await client.decode(VIN)

    assert "bed_type" not in spec.attributes
    assert "trailer_type" not in spec.attributes
    assert all(v and v not in {"None", "Not Applicable"} for v in spec.attributes.values())


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        ("HONDA", "Honda"),
        ("BMW", "BMW"),
        ("GMC", "GMC"),
        ("MERCEDES-BENZ", "Mercedes-Benz"),
        ("LAND ROVER", "Land Rover"),
        ("MCLAREN", "McLaren"),
        ("Tesla", "Tesla"),
    ],
)
def test_all_caps_makes_are_title_cased_keeping_acronyms(make: str, expected: str) -> None:
    """ALL-CAPS makes read naturally ("HONDA" -> "Honda") while acronyms like BMW stay."""
    spec = decode_values_to_vehicle(VIN, with_fields(Make=make))

    assert spec.make == expected


def test_direction_controls_in_values_never_reach_the_spec() -> None:
    """Bidi overrides, isolates and marks inside vPIC values are dropped at the client."""
    spec = decode_values_to_vehicle(
        VIN,
        with_fields(
            Model="Accord\u202e",
            Trim="\u202eEX-V6\u200f",
            PlantCity="\u2066MARYSVILLE\u2069",
            Series="\u202e",
        ),
    )

    assert (spec.model, spec.trim) == ("Accord", "EX-V6")
    assert spec.attributes[Attr.PLANT_CITY] == "Marysville"
    assert "series" not in spec.attributes


NO_VALVES = {"ValveTrainDesign": ""}


@pytest.mark.parametrize(
    ("fields", "engine"),
    [
        (
            {"DisplacementL": "2.5", "EngineConfiguration": "In-Line", "EngineCylinders": "4"},
            "2.5L I4 SOHC",
        ),
        ({**NO_VALVES, "EngineConfiguration": "", "EngineCylinders": "8"}, "3.0L 8-cylinder"),
        ({"DisplacementL": "", "EngineCylinders": "", "EngineConfiguration": ""}, None),
        ({"Turbo": "Yes", "ValveTrainDesign": "Dual Overhead Cam (DOHC)"}, "3.0L V6 DOHC turbo"),
        ({**NO_VALVES, "EngineConfiguration": "Horizontally Opposed (Boxer)"}, "3.0L H6"),
        ({**NO_VALVES, "DisplacementL": "1.598", "EngineConfiguration": "W-Shaped"}, "1.6L W6"),
    ],
)
def test_engine_is_composed_from_its_parts(fields: dict[str, str], engine: str | None) -> None:
    """Displacement, layout, cylinders, valve train and turbo read as one engine string."""
    spec = decode_values_to_vehicle(VIN, with_fields(**fields))

    assert spec.attributes.get(Attr.ENGINE) == engine


def test_drive_type_keeps_its_short_name() -> None:
    """vPIC's "4WD/4-Wheel Drive/4x4" becomes "4WD"."""
    spec = decode_values_to_vehicle(VIN, with_fields(DriveType="4WD/4-Wheel Drive/4x4"))

    assert spec.attributes[Attr.DRIVETRAIN] == "4WD"


def test_error_code_is_split_into_codes() -> None:
    """ErrorCode "1,5,14,400" is four codes, and an empty one none."""
    assert error_codes("1,5,14,400") == ("1", "5", "14", "400")
    assert error_codes(" 0 ") == ("0",)
    assert error_codes("") == ()
    assert error_codes(None) == ()


def test_partial_error_decode_keeps_data_with_warnings() -> None:
    """The "1,5,14,400" example still decodes, with one warning per code."""
    partial = json.loads(
        (FIXTURES / "decodevinvalues_partial_error_example.json").read_text(encoding="utf-8")
    )
    result = {k: v for k, v in partial.items() if not k.startswith("_")}

    spec = decode_values_to_vehicle("JTDZS3EU08W000000", envelope(result))

    assert (spec.make, spec.model, spec.year) == ("Toyota", "Prius", 2008)
    assert spec.warnings == (WARNINGS["1"], WARNINGS["5"], WARNINGS["14"], WARNINGS["400"])


@pytest.mark.parametrize("code", ["6", "7", "8", "1,7", "8,14"])
def test_no_data_codes_are_not_found(code: str) -> None:
    """Codes 6 (incomplete), 7 (maker not registered) and 8 (no detailed data) mean no data."""
    with pytest.raises(VinNotFound):
        decode_values_to_vehicle(VIN, with_fields(ErrorCode=code))


@pytest.mark.parametrize(
    "fields",
    [
        {"Make": ""},
        {"Make": "Not Applicable"},
        {"Model": "", "BodyClass": ""},
        {"ErrorCode": "", "Make": "", "Model": ""},
    ],
)
def test_missing_make_or_model_is_not_found(fields: dict[str, str]) -> None:
    """Without a make, or with neither model nor body class, there is nothing to show."""
    with pytest.raises(VinNotFound):
        decode_values_to_vehicle(VIN, with_fields(**fields))


@pytest.mark.parametrize(("code", "warning"), [("1", WARNINGS["1"]), ("11", WARNINGS["11"])])
def test_warning_codes_keep_the_decode(code: str, warning: str) -> None:
    """Codes like 1 (check digit) and 11 (model-year code) become warnings, not failures."""
    spec = decode_values_to_vehicle(VIN, with_fields(ErrorCode=code))

    assert spec.make == "Honda"
    assert spec.warnings == (warning,)


def test_corrections_mention_the_suggested_vin() -> None:
    """A corrected-VIN code carries NHTSA's suggested VIN in its warning."""
    spec = decode_values_to_vehicle(
        VIN, with_fields(ErrorCode="3", SuggestedVIN="1HGCM82633A00435!")
    )

    assert spec.warnings == (f"{WARNINGS['3']} (NHTSA suggests 1HGCM82633A00435!)",)


def test_unknown_codes_use_nhtsa_text() -> None:
    """A code vinbot has no wording for falls back to vPIC's ErrorText for it."""
    spec = decode_values_to_vehicle(
        VIN, with_fields(ErrorCode="13", ErrorText="13 - Something new happened")
    )

    assert spec.warnings == ("Something new happened",)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"Count": 0, "Message": "No results", "Results": []}, VinNotFound),
        ({"Count": 1, "Message": "x"}, BadProviderResponse),
        ({"Results": "nope"}, BadProviderResponse),
        ({"Results": [["ABS", ""]]}, BadProviderResponse),
    ],
)
def test_envelope_problems(body: dict[str, Any], error: type[Exception]) -> None:
    """Empty Results means no data; a missing or malformed Results is a bad response."""
    with pytest.raises(error):
        decode_values_to_vehicle(VIN, body)


@given(
    st.dictionaries(
        st.sampled_from(sorted(honda())),
        st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["", "Not Applicable", "0"])),
    )
)
def test_any_field_values_give_a_spec_or_not_found(overrides: dict[str, Any]) -> None:
    """Whatever vPIC puts in its fields, the result is a spec with clean values, or VinNotFound."""
    try:
        spec = decode_values_to_vehicle(VIN, envelope({**honda(), **overrides}))
    except VinNotFound:
        return

    assert spec.make
    for value in (*spec.attributes.values(), spec.model, spec.trim):
        assert value is None or (value.strip() and value not in {"None", "Not Applicable"})


async def test_500_once_then_success(client: NhtsaVpicClient, upstream: respx.MockRouter) -> None:
    """One 500 is retried and the next answer is used."""
    route = decode_route(upstream).mock(
        side_effect=[httpx.Response(500), httpx.Response(200, json=envelope(honda()))]
    )

    assert (await client.decode(VIN)).model == "Accord"
    assert route.call_count == 2


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_are_retried(
    client: NhtsaVpicClient, upstream: respx.MockRouter, sleeps: Sleeps, status: int
) -> None:
    """502/503/504 are retried with backoff until vPIC answers."""
    route = decode_route(upstream).mock(
        side_effect=[
            httpx.Response(status),
            httpx.Response(status),
            httpx.Response(200, json=envelope(honda())),
        ]
    )

    assert (await client.decode(VIN)).year == 2003
    assert route.call_count == 3
    assert sleeps.delays == [0.05, 0.1]


async def test_all_failing_is_unavailable(
    client: NhtsaVpicClient, upstream: respx.MockRouter
) -> None:
    """A vPIC that keeps failing gives ProviderUnavailable after the policy's attempts."""
    route = decode_route(upstream).mock(return_value=httpx.Response(503, text="<html/>"))

    with pytest.raises(ProviderUnavailable, match="HTTP 503"):
        await client.decode(VIN)
    assert route.call_count == 3


async def test_timeouts_are_retried(client: NhtsaVpicClient, upstream: respx.MockRouter) -> None:
    """A read timeout is retried, and persistent timeouts end in ProviderUnavailable."""
    route = decode_route(upstream).mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json=envelope(honda()))]
    )
    assert (await client.decode(VIN)).make == "Honda"
    assert route.call_count == 2

    route.mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(ProviderUnavailable, match="timeout"):
        await client.decode(VIN)


async def test_429_is_not_retried(client: NhtsaVpicClient, upstream: respx.MockRouter) -> None:
    """A 429 from vPIC raises ProviderQuotaExhausted after one call."""
    route = decode_route(upstream).mock(return_value=httpx.Response(429))

    with pytest.raises(ProviderQuotaExhausted):
        await client.decode(VIN)
    assert route.call_count == 1


async def test_403_is_an_auth_error_logged_loudly(
    client: NhtsaVpicClient, upstream: respx.MockRouter
) -> None:
    """A 403 (vPIC blocking this host) raises ProviderAuthError and logs an error."""
    decode_route(upstream).mock(return_value=httpx.Response(403, text="Access Denied"))

    with capture_logs() as logs, pytest.raises(ProviderAuthError):
        await client.decode(VIN)
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["provider_auth_failed"]


async def test_404_is_a_bad_response_without_retry(
    client: NhtsaVpicClient, upstream: respx.MockRouter
) -> None:
    """A 404 means a wrong base URL, not a missing VIN: BadProviderResponse after one call."""
    route = decode_route(upstream).mock(return_value=httpx.Response(404, text="<html/>"))

    with pytest.raises(BadProviderResponse, match="HTTP 404"):
        await client.decode(VIN)
    assert route.call_count == 1


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body>Service Unavailable</body></html>",
        b"",
        b'{"Count": 1, "Results": [{"Make": "HON',
        b"[]",
        b"<Response><Results/></Response>",
    ],
)
async def test_malformed_bodies_are_bad_responses(
    client: NhtsaVpicClient, upstream: respx.MockRouter, content: bytes
) -> None:
    """HTML, empty, truncated, array or XML bodies raise BadProviderResponse once."""
    route = decode_route(upstream).mock(return_value=httpx.Response(200, content=content))

    with pytest.raises(BadProviderResponse):
        await client.decode(VIN)
    assert route.call_count == 1


def test_satisfies_the_provider_port(client: NhtsaVpicClient) -> None:
    """NhtsaVpicClient is the free provider named "nhtsa"."""
    provider: VehicleDataProvider = client

    assert (provider.name, provider.is_paid) == ("nhtsa", False)
