"""CarsXEClient on respx: wire bodies to VehicleSpec, statuses to domain errors, no key leaks."""

from __future__ import annotations

import json
import traceback
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx
from structlog.testing import capture_logs

from tests.unit.carsxe_support import carsxe_client, carsxe_fixture
from vinbot.clients.breaker import BreakerState, CircuitBreaker
from vinbot.clients.carsxe import (
    INTERNATIONAL_DECODER_WARNING,
    CarsXEClient,
)
from vinbot.clients.retry import RetryPolicy
from vinbot.config import Secret
from vinbot.formatters.html import render_decode
from vinbot.i18n import words_in
from vinbot.i18n.bidi import RIGHT_TO_LEFT_MARK
from vinbot.models.errors import (
    CIRCUIT_OPEN,
    BadProviderResponse,
    ProviderAuthError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    VinNotFound,
)
from vinbot.models.vehicle import Attr, DecodeResult
from vinbot.models.vin import analyse

if TYPE_CHECKING:
    from collections.abc import Callable

    from vinbot.services.ports import VehicleDataProvider

KEY = "sk_live_Zq81SecretKeyValue"
VIN = "WBAFR7C57CC811956"


class Sleeps:
    """An instant sleep that remembers what it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def breaker() -> CircuitBreaker:
    return CircuitBreaker("carsxe", failure_threshold=3, cooldown=60.0)


@pytest.fixture
def client(http: httpx.AsyncClient, sleeps: Sleeps, breaker: CircuitBreaker) -> CarsXEClient:
    retry = RetryPolicy(attempts=3, base_delay=0.1, max_delay=1.0, sleep=sleeps, random=lambda: 0.5)
    return carsxe_client(http, KEY, breaker=breaker, retry=retry)


def specs_route(upstream: respx.MockRouter) -> respx.Route:
    return upstream.get("/specs")


def answer(status: int, body: object = None, **kwargs: Any) -> httpx.Response:
    if body is None:
        return httpx.Response(status, **kwargs)
    return httpx.Response(status, json=body, **kwargs)


def everything_said(exc: BaseException) -> str:
    """str, repr and args of an exception and of everything chained to it, plus its traceback."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    parts = ["".join(traceback.format_exception(exc))]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        parts += [str(current), repr(current), *map(repr, current.args)]
        stack += [e for e in (current.__cause__, current.__context__) if e is not None]
    return "\n".join(parts)


async def test_decodes_the_documented_specs_example(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """The docs' /specs body becomes a VehicleSpec with year, make, model, trim and attributes."""
    route = specs_route(upstream).mock(
        return_value=answer(200, carsxe_fixture("specs_success.json"))
    )

    spec = await client.decode(VIN)

    assert (spec.vin, spec.source, spec.year, spec.make, spec.model, spec.trim) == (
        VIN,
        "carsxe",
        2012,
        "BMW",
        "5-Series",
        "535i",
    )
    assert spec.attributes[Attr.ENGINE] == "3.0L L6 DOHC 24V"
    assert spec.attributes[Attr.ENGINE_CYLINDERS] == "6"
    assert spec.attributes[Attr.FUEL_TYPE] == "Gasoline"
    assert spec.attributes[Attr.DRIVETRAIN] == "RWD"
    assert spec.attributes[Attr.BODY] == "Sedan/Saloon"
    assert spec.attributes[Attr.DOORS] == "4"
    assert spec.attributes[Attr.PLANT_COUNTRY] == "Germany"
    assert spec.warnings == ()
    assert dict(route.calls.last.request.url.params) == {"vin": VIN, "key": KEY}


async def test_units_are_stripped_to_plain_numerals(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """Mileage, price, weight and size values lose their units and thousands separators."""
    body = carsxe_fixture("specs_success.json")
    body["attributes"].update(
        {
            "city_mileage": "18 miles/gallon",
            "highway_mileage": "27 miles/gallon",
            "manufacturer_suggested_retail_price": "$55,500",
            "curb_weight": "3,726 lbs",
            "fuel_capacity": "18.50 gallon",
            "overall_length": "193.1 in.",
            "wheelbase_length": "116.9 in.",
            "standard_seating": "5",
        }
    )
    specs_route(upstream).mock(return_value=answer(200, body))

    attributes = (await client.decode(VIN)).attributes

    assert attributes[Attr.CITY_MPG] == "18"
    assert attributes[Attr.HIGHWAY_MPG] == "27"
    assert attributes[Attr.MSRP_USD] == "55500"
    assert attributes[Attr.CURB_WEIGHT_LB] == "3726"
    assert attributes[Attr.FUEL_CAPACITY_GAL] == "18.50"
    assert attributes[Attr.LENGTH_IN] == "193.1"
    assert attributes[Attr.WHEELBASE_IN] == "116.9"
    assert attributes[Attr.SEATING] == "5"


async def test_unknown_values_are_absent_never_none(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """Empty strings, "N/A", "Not Applicable" and null are dropped, and nothing reads "None"."""
    body = carsxe_fixture("specs_success.json")
    body["attributes"].update(
        {
            "trim": "",
            "engine": None,
            "fuel_type": "N/A",
            "drivetrain": "Not Applicable",
            "city_mileage": "",
            "manufacturer_suggested_retail_price": None,
        }
    )
    specs_route(upstream).mock(return_value=answer(200, body))

    spec = await client.decode(VIN)

    assert spec.trim is None
    for attr in (Attr.ENGINE, Attr.FUEL_TYPE, Attr.DRIVETRAIN, Attr.CITY_MPG, Attr.MSRP_USD):
        assert attr not in spec.attributes
    assert all(value and value != "None" for value in spec.attributes.values())


async def test_direction_controls_in_values_never_reach_the_spec_or_the_reply(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """Bidi overrides, embeddings, isolates and marks inside CarsXE values are dropped at the
    client, so an Arabic reply holds no U+202E and only the marks the bot itself adds."""
    body = carsxe_fixture("specs_success.json")
    body["attributes"].update(
        {
            "model": "5-Series\u202e",
            "trim": "\u202e535i",
            "made_in_city": "\u2067MUNICH\u2069",
            "engine": "3.0L\u200e L6 \u202a\u202b\u202c\u202dDOHC 24V",
            "fuel_type": "\u061cGasoline\u200f",
            "drivetrain": "\u2066\u2068RWD",
        }
    )
    specs_route(upstream).mock(return_value=answer(200, body))

    spec = await client.decode(VIN)

    assert (spec.model, spec.trim) == ("5-Series", "535i")
    assert spec.attributes[Attr.PLANT_CITY] == "Munich"
    assert spec.attributes[Attr.ENGINE] == "3.0L L6 DOHC 24V"
    assert spec.attributes[Attr.FUEL_TYPE] == "Gasoline"
    assert spec.attributes[Attr.DRIVETRAIN] == "RWD"
    reply = render_decode(words_in("ar"), DecodeResult(analyse(VIN), spec), expanded=True)
    assert "5-Series" in reply
    assert not set(reply) & set("\u202a\u202b\u202c\u202d\u202e\u200e\u061c")
    assert RIGHT_TO_LEFT_MARK in reply


async def test_international_fallback_shape_is_decoded_with_a_warning(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """The sparse international-decoder body still gives make and model, flagged as sparse."""
    vin = "WF0MXXGBWM8R43240"
    body = carsxe_fixture("international_vin_decoder_success.json")
    body["attributes"].update(
        {"year": "2008", "body": "MPV", "fuel_type": "Diesel", "plant_country": "GERMANY"}
    )
    specs_route(upstream).mock(return_value=answer(200, body))

    spec = await client.decode(vin)

    assert (spec.year, spec.make, spec.model, spec.trim) == (2008, "Ford", "Galaxy", None)
    assert spec.attributes == {
        Attr.BODY: "MPV",
        Attr.FUEL_TYPE: "Diesel",
        Attr.PLANT_COUNTRY: "Germany",
    }
    assert spec.warnings == (INTERNATIONAL_DECODER_WARNING,)


async def test_fallback_without_make_model_or_year_is_not_found(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """A success body that names no make, model or year is treated as no data."""
    body = {"success": True, "input": {"vin": VIN}, "attributes": {"vin": VIN, "vid": "0"}}
    specs_route(upstream).mock(return_value=answer(200, body))

    with pytest.raises(VinNotFound):
        await client.decode(VIN)


async def test_success_false_no_data_is_not_found(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """A 200 whose body says success false, "No data found", is VinNotFound."""
    route = specs_route(upstream).mock(
        return_value=answer(200, carsxe_fixture("error_no_data_for_vin.json"))
    )

    with pytest.raises(VinNotFound):
        await client.decode(VIN)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, carsxe_fixture("specs_error_missing_vin.json")),
        (404, carsxe_fixture("error_no_data_for_vin.json")),
        (404, None),
    ],
)
async def test_400_and_404_are_not_found_without_retry(
    client: CarsXEClient, upstream: respx.MockRouter, status: int, body: object
) -> None:
    """400 and 404 mean no data for this VIN, and are asked only once."""
    route = specs_route(upstream).mock(return_value=answer(status, body))

    with pytest.raises(VinNotFound):
        await client.decode(VIN)
    assert route.call_count == 1


async def test_v1_500_with_no_data_message_is_not_found(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """CarsXE's v1 routes answer 500 for validation problems; the message decides."""
    route = specs_route(upstream).mock(
        return_value=answer(500, carsxe_fixture("error_no_data_for_vin.json"))
    )

    with pytest.raises(VinNotFound):
        await client.decode(VIN)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, carsxe_fixture("error_missing_api_key.json")),
        (401, carsxe_fixture("error_key_not_found_or_disabled.json")),
        (403, carsxe_fixture("error_key_blocked.json")),
        (403, carsxe_fixture("error_user_not_active.json")),
        (403, None),
        (200, carsxe_fixture("error_missing_api_key.json")),
    ],
)
async def test_auth_failures_raise_and_log_loudly(
    client: CarsXEClient, upstream: respx.MockRouter, status: int, body: object
) -> None:
    """401/403 (or an API-key message) raise ProviderAuthError once and log an error for ops."""
    route = specs_route(upstream).mock(return_value=answer(status, body))

    with capture_logs() as logs, pytest.raises(ProviderAuthError):
        await client.decode(VIN)

    assert route.call_count == 1
    errors = [e for e in logs if e["log_level"] == "error"]
    assert [e["event"] for e in errors] == ["provider_auth_failed"]
    assert errors[0]["provider"] == "carsxe"


@pytest.mark.parametrize(
    "body",
    [
        carsxe_fixture("error_quota_exceeded_429.json"),
        carsxe_fixture("error_quota_exceeded_429_detailed.json"),
        None,
    ],
)
async def test_429_is_quota_exhausted_and_never_retried(
    client: CarsXEClient, upstream: respx.MockRouter, sleeps: Sleeps, body: object
) -> None:
    """A 429 raises ProviderQuotaExhausted after exactly one call and no waiting."""
    route = specs_route(upstream).mock(return_value=answer(429, body))

    with capture_logs() as logs, pytest.raises(ProviderQuotaExhausted):
        await client.decode(VIN)

    assert route.call_count == 1
    assert sleeps.delays == []
    assert any(e["event"] == "provider_quota_exhausted" for e in logs)


async def test_429_usage_is_logged(client: CarsXEClient, upstream: respx.MockRouter) -> None:
    """The quota log line carries CarsXE's usage numbers."""
    specs_route(upstream).mock(
        return_value=answer(429, carsxe_fixture("error_quota_exceeded_429.json"))
    )

    with capture_logs() as logs, pytest.raises(ProviderQuotaExhausted):
        await client.decode(VIN)

    quota = next(e for e in logs if e["event"] == "provider_quota_exhausted")
    assert (quota["usage_current"], quota["usage_limit"], quota["usage_remaining"]) == (
        1000,
        1000,
        0,
    )


async def test_500_once_then_success(client: CarsXEClient, upstream: respx.MockRouter) -> None:
    """One 500 is retried, and the answer that follows is used."""
    route = specs_route(upstream).mock(
        side_effect=[
            answer(500, carsxe_fixture("error_internal_500.json")),
            answer(200, carsxe_fixture("specs_success.json")),
        ]
    )

    assert (await client.decode(VIN)).make == "BMW"
    assert route.call_count == 2


async def test_500_twice_gives_up(client: CarsXEClient, upstream: respx.MockRouter) -> None:
    """A second 500 is not retried: ProviderUnavailable after two calls."""
    route = specs_route(upstream).mock(
        return_value=answer(500, carsxe_fixture("error_internal_500.json"))
    )

    with pytest.raises(ProviderUnavailable, match="HTTP 500"):
        await client.decode(VIN)
    assert route.call_count == 2


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_are_retried_then_succeed(
    client: CarsXEClient, upstream: respx.MockRouter, sleeps: Sleeps, status: int
) -> None:
    """502/503/504 are retried with backoff until CarsXE answers."""
    route = specs_route(upstream).mock(
        side_effect=[
            answer(status),
            answer(status),
            answer(200, carsxe_fixture("specs_success.json")),
        ]
    )

    assert (await client.decode(VIN)).model == "5-Series"
    assert route.call_count == 3
    assert sleeps.delays == [0.05, 0.1]


async def test_all_attempts_failing_is_unavailable(
    client: CarsXEClient, upstream: respx.MockRouter, sleeps: Sleeps
) -> None:
    """When every attempt fails, ProviderUnavailable comes after the policy's attempts."""
    route = specs_route(upstream).mock(return_value=answer(503, "<html>busy</html>"))

    with pytest.raises(ProviderUnavailable, match="HTTP 503"):
        await client.decode(VIN)
    assert route.call_count == 3
    assert len(sleeps.delays) == 2


async def test_all_attempts_failing_stays_inside_the_deadline(
    http: httpx.AsyncClient, upstream: respx.MockRouter
) -> None:
    """With real sleeps, a dead upstream costs no more than the overall deadline."""
    specs_route(upstream).mock(return_value=answer(503))
    retry = RetryPolicy(attempts=50, base_delay=0.02, max_delay=0.05, deadline=0.3)
    client = CarsXEClient(http, api_key=Secret(KEY), breaker=CircuitBreaker("carsxe"), retry=retry)
    route = specs_route(upstream)

    with pytest.raises(ProviderUnavailable):
        await client.decode(VIN)

    assert 1 <= route.call_count < 50  # the deadline, not the attempt count, stopped it


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.ConnectError])
async def test_timeouts_and_connection_errors_are_retried(
    client: CarsXEClient, upstream: respx.MockRouter, error: type[httpx.TransportError]
) -> None:
    """A timeout or refused connection is retried, and a later answer is used."""
    route = specs_route(upstream).mock(
        side_effect=[error("boom"), answer(200, carsxe_fixture("specs_success.json"))]
    )

    assert (await client.decode(VIN)).year == 2012
    assert route.call_count == 2


async def test_persistent_timeouts_are_unavailable(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """Timeouts on every attempt end in ProviderUnavailable naming a timeout."""
    route = specs_route(upstream).mock(side_effect=httpx.ReadTimeout("slow"))

    with pytest.raises(ProviderUnavailable, match="timeout"):
        await client.decode(VIN)
    assert route.call_count == 3


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html"),
        (b"", "application/json"),
        (b'{"success": true, "attributes": {"make": "BM', "application/json"),
        (b'[{"success": true}]', "application/json"),
        (b'"success"', "application/json"),
        (b"\xff\xfe\x00garbage", "application/octet-stream"),
        (b'{"success": true, "attributes": ["make", "BMW"]}', "application/json"),
        (b'{"attributes": {"make": "BMW"}}', "application/json"),
        (b'{"success": false}', "application/json"),
        (b'{"success": false, "message": "Something odd"}', "application/json"),
        (b'{"success": "true", "attributes": {"make": "BMW"}}', "application/json"),
    ],
)
async def test_malformed_bodies_are_bad_responses(
    client: CarsXEClient, upstream: respx.MockRouter, content: bytes, content_type: str
) -> None:
    """HTML, empty, truncated, non-object or success-less bodies raise BadProviderResponse once."""
    route = specs_route(upstream).mock(
        return_value=httpx.Response(200, content=content, headers={"Content-Type": content_type})
    )

    with pytest.raises(BadProviderResponse):
        await client.decode(VIN)
    assert route.call_count == 1


@pytest.mark.parametrize(
    "content", [b"<html></html>", b'{"success": true, "attributes": ["make", "BMW"]}']
)
async def test_breaker_opens_and_stops_calling(
    client: CarsXEClient, upstream: respx.MockRouter, breaker: CircuitBreaker, content: bytes
) -> None:
    """After three garbage answers the circuit opens and the fourth decode makes no HTTP call."""
    route = specs_route(upstream).mock(return_value=answer(200, content=content))
    for _ in range(3):
        with pytest.raises(BadProviderResponse):
            await client.decode(VIN)

    with pytest.raises(ProviderUnavailable) as caught:
        await client.decode(VIN)

    assert caught.value.reason == CIRCUIT_OPEN
    assert breaker.state is BreakerState.OPEN
    assert route.call_count == 3


async def test_quota_exhaustion_opens_the_breaker(
    client: CarsXEClient, upstream: respx.MockRouter, breaker: CircuitBreaker
) -> None:
    """One 429 opens the circuit so no further paid call is attempted."""
    route = specs_route(upstream).mock(
        return_value=answer(429, carsxe_fixture("error_quota_exceeded_429.json"))
    )
    with pytest.raises(ProviderQuotaExhausted):
        await client.decode(VIN)

    with pytest.raises(ProviderUnavailable, match=CIRCUIT_OPEN):
        await client.decode(VIN)
    assert route.call_count == 1


async def test_post_json_shares_the_key_and_error_machinery(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """The POST helper for future endpoints (VIN OCR) sends the key and JSON, and maps errors."""
    route = upstream.post("/v1/vinocr").mock(
        side_effect=[answer(200, carsxe_fixture("vinocr_success.json")), answer(429)]
    )

    body = await client._post_json(
        "/v1/vinocr", {"image_url": "https://example.test/vin.jpg"}, lambda body: body
    )

    assert body["success"] is True
    request = route.calls.last.request
    assert request.url.params["key"] == KEY
    assert json.loads(request.content) == {"image_url": "https://example.test/vin.jpg"}
    with pytest.raises(ProviderQuotaExhausted):
        await client._post_json("/v1/vinocr", {"image_url": "x"}, lambda body: body)


def test_satisfies_the_provider_port(client: CarsXEClient) -> None:
    """CarsXEClient is the paid provider named "carsxe"."""
    provider: VehicleDataProvider = client

    assert (provider.name, provider.is_paid) == ("carsxe", True)


def _raise_with_url(error: type[httpx.TransportError]) -> Callable[[httpx.Request], Any]:
    def side_effect(request: httpx.Request) -> Any:
        raise error(f"failed talking to {request.url}", request=request)

    return side_effect


LEAK_CASES: dict[str, Any] = {
    "timeout": {"side_effect": _raise_with_url(httpx.ReadTimeout)},
    "connect_error": {"side_effect": _raise_with_url(httpx.ConnectError)},
    "status_500": {"return_value": answer(500, carsxe_fixture("error_internal_500.json"))},
    "status_503": {"return_value": answer(503)},
    "status_401": {"return_value": answer(401, {"success": False, "message": f"Bad key {KEY}"})},
    "status_403": {"return_value": answer(403, carsxe_fixture("error_key_blocked.json"))},
    "status_429": {"return_value": answer(429, carsxe_fixture("error_quota_exceeded_429.json"))},
    "status_404": {"return_value": answer(404, carsxe_fixture("error_no_data_for_vin.json"))},
    "garbage": {"return_value": httpx.Response(200, content=f"<html>{KEY}</html>".encode())},
    "success_false": {"return_value": answer(200, {"success": False, "message": f"odd {KEY}"})},
    "redirect": {"return_value": httpx.Response(302, headers={"Location": f"/x?key={KEY}"})},
}


@pytest.mark.parametrize("mode", sorted(LEAK_CASES))
async def test_the_key_never_leaks(
    client: CarsXEClient, upstream: respx.MockRouter, mode: str
) -> None:
    """For every failure mode the key is absent from the error, its chain and every log event."""
    specs_route(upstream).mock(**LEAK_CASES[mode])

    with capture_logs() as logs, pytest.raises(Exception) as caught:
        await client.decode(VIN)

    assert isinstance(caught.value, (ProviderUnavailable, VinNotFound))
    assert KEY not in everything_said(caught.value)
    assert KEY not in repr(logs)


async def test_the_key_echoed_in_input_stays_out_of_the_spec(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """CarsXE echoes the key in `input`; the decoded spec does not carry it."""
    body = carsxe_fixture("specs_success.json")
    body["input"]["key"] = KEY
    specs_route(upstream).mock(return_value=answer(200, body))

    with capture_logs() as logs:
        spec = await client.decode(VIN)

    assert KEY not in repr(spec)
    assert KEY not in repr(logs)


@pytest.mark.parametrize(
    ("error", "billed"),
    [
        (httpx.ReadTimeout("sent, no answer"), True),
        (httpx.RemoteProtocolError("server hung up without answering"), True),
        (httpx.ConnectTimeout("never connected"), False),
        (httpx.ConnectError("connection refused"), False),
        (httpx.PoolTimeout("no free connection"), False),
    ],
)
async def test_a_request_sent_without_an_answer_counts_as_paid(
    client: CarsXEClient, upstream: respx.MockRouter, error: httpx.HTTPError, billed: bool
) -> None:
    """A request that went out and got no answer may be billed; one never sent is free."""
    specs_route(upstream).mock(side_effect=error)

    with pytest.raises(ProviderUnavailable) as caught:
        await client.decode(VIN)
    assert caught.value.paid_call_made is billed


async def test_an_answered_failure_after_a_read_timeout_still_counts(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """One unanswered attempt is enough: a later 503 does not make the call free."""
    specs_route(upstream).mock(side_effect=[httpx.ReadTimeout("slow"), answer(503), answer(503)])

    with pytest.raises(ProviderUnavailable, match="HTTP 503") as caught:
        await client.decode(VIN)
    assert caught.value.paid_call_made
