"""CarsXEClient.market_value on respx: /v2/marketvalue buckets to price ranges, errors to types."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
import respx
from structlog.testing import capture_logs

from tests.fakes.carsxe_server import marketvalue_body
from tests.unit.carsxe_support import carsxe_client, carsxe_fixture
from vinbot.clients.carsxe import CarsXEClient
from vinbot.models.errors import (
    BadProviderResponse,
    MarketValueNotFound,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    VinNotFound,
)

KEY = "sk_live_Value0SecretKey"
VIN = "WBAFR7C57CC811956"


@pytest.fixture
def client(http: httpx.AsyncClient) -> CarsXEClient:
    return carsxe_client(http, KEY)


def route(upstream: respx.MockRouter) -> respx.Route:
    return upstream.get("/v2/marketvalue")


async def test_documented_example_gives_clean_prices(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """The docs' partial body prices the clean condition for retail and wholesale."""
    mocked = route(upstream).mock(
        return_value=httpx.Response(200, json=carsxe_fixture("marketvalue_v2_success.json"))
    )

    value = await client.market_value(VIN, mileage=85_000)

    assert value.retail is not None
    assert (value.retail.low, value.retail.high) == (9_325, 9_325)
    assert value.retail.at("clean") == 9_325
    assert value.wholesale is not None
    assert value.wholesale.at("clean") == 5_300
    assert value.trade_in is None
    assert value.private_party is None
    assert (value.year, value.make, value.model, value.series) == (2012, "BMW", "5-Series", "535i")
    assert value.style == "4D Sedan"
    assert value.published == dt.date(2025, 4, 8)
    assert dict(mocked.calls.last.request.url.params) == {
        "vin": VIN,
        "mileage": "85000",
        "key": KEY,
    }


async def test_every_condition_makes_a_range_and_the_inputs_are_echoed(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """Base plus mileage, add/deduct and regional parts give each condition's price."""
    mocked = route(upstream).mock(return_value=httpx.Response(200, json=marketvalue_body(VIN)))

    value = await client.market_value(VIN, mileage=120_000, state="CA", condition="rough")

    assert value.retail is not None
    assert value.trade_in is not None
    assert (value.retail.low, value.retail.high) == (6_400, 10_400)
    assert (value.trade_in.low, value.trade_in.high) == (2_400, 4_700)
    assert value.trade_in.at("excellent") is None
    assert value.retail.at("rough") == 6_400
    assert value.msrp == 55_500
    assert (value.vin, value.mileage, value.state, value.condition) == (
        VIN,
        120_000,
        "CA",
        "rough",
    )
    assert mocked.calls.last.request.url.params["state"] == "CA"
    assert mocked.calls.last.request.url.params["condition"] == "rough"


@pytest.mark.parametrize(
    ("bucket", "price"),
    [
        ({"adjusted_retail_clean": 9_000, "base_retail_clean": 1}, 9_000),
        ({"base_retail_clean": "9,325", "mileage_retail_clean": "-125"}, 9_200),
        (9_100, 9_100),
        ("$9,050", 9_050),
    ],
)
async def test_bucket_shapes(
    client: CarsXEClient, upstream: respx.MockRouter, bucket: object, price: int
) -> None:
    """Adjusted totals win; otherwise base plus adjustments; plain numbers are taken as is."""
    body = {**carsxe_fixture("marketvalue_v2_success.json"), "retail_clean": bucket}
    route(upstream).mock(return_value=httpx.Response(200, json=body))

    value = await client.market_value(VIN, mileage=1)

    assert value.retail is not None
    assert value.retail.at("clean") == price


@pytest.mark.parametrize(
    "body",
    [
        {"uid": "X", "input": {"vin": VIN}},
        {"uid": "X", "retail_clean": {"base_retail_clean": 0}, "whole_clean": None},
    ],
)
async def test_nothing_priced_is_not_found(
    client: CarsXEClient, upstream: respx.MockRouter, body: dict[str, Any]
) -> None:
    """A body with no positive price is MarketValueNotFound, flagged as a paid call."""
    route(upstream).mock(return_value=httpx.Response(200, json=body))

    with pytest.raises(MarketValueNotFound) as caught:
        await client.market_value(VIN, mileage=1)

    assert caught.value.paid_call_made is True
    assert isinstance(caught.value, VinNotFound)


async def test_404_no_data_is_not_found(client: CarsXEClient, upstream: respx.MockRouter) -> None:
    """CarsXE's 404 "No data found for this VIN" is MarketValueNotFound after one call."""
    mocked = route(upstream).mock(
        return_value=httpx.Response(404, json=carsxe_fixture("error_no_data_for_vin.json"))
    )

    with pytest.raises(MarketValueNotFound):
        await client.market_value(VIN, mileage=1)
    assert mocked.call_count == 1


async def test_no_internet_is_unavailable(client: CarsXEClient, upstream: respx.MockRouter) -> None:
    """The documented "Cannot access the internet" failure is an outage, not "no value"."""
    route(upstream).mock(
        return_value=httpx.Response(
            200, json=carsxe_fixture("error_marketvalue_v2_no_internet.json")
        )
    )

    with pytest.raises(ProviderUnavailable) as caught:
        await client.market_value(VIN, mileage=1)

    assert not isinstance(caught.value, VinNotFound)


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(200, text="<html>502</html>"), BadProviderResponse),
        (
            httpx.Response(429, json=carsxe_fixture("error_quota_exceeded_429_detailed.json")),
            ProviderQuotaExhausted,
        ),
        (httpx.Response(503), ProviderUnavailable),
    ],
)
async def test_failures_are_typed_and_key_free(
    client: CarsXEClient,
    upstream: respx.MockRouter,
    response: httpx.Response,
    error: type[Exception],
) -> None:
    """Garbage, quota and outages raise their domain errors without the key anywhere."""
    route(upstream).mock(return_value=response)

    with capture_logs() as logs, pytest.raises(error) as caught:
        await client.market_value(VIN, mileage=1)

    assert KEY not in repr(caught.value)
    assert KEY not in repr(logs)
