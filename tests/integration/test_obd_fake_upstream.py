"""The real CarsXE client's /obdcodesdecoder over 127.0.0.1 against the fake CarsXE (no respx)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.fakes.carsxe_server import Canned, FakeCarsXE, obd_unknown_code
from vinbot.clients.breaker import CircuitBreaker
from vinbot.clients.carsxe import CarsXEClient, carsxe_http_client
from vinbot.clients.retry import RetryPolicy
from vinbot.config import Secret
from vinbot.models.errors import BadProviderResponse, ObdCodeNotFound, ProviderAuthError
from vinbot.models.obd import ObdDiagnosis

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


async def no_wait(_seconds: float) -> None:
    """Backoff that returns at once."""


@pytest.fixture
async def carsxe() -> AsyncIterator[FakeCarsXE]:
    async with FakeCarsXE() as server:
        yield server


@pytest.fixture
async def client(carsxe: FakeCarsXE) -> AsyncIterator[CarsXEClient]:
    async with carsxe_http_client(carsxe.base_url, timeout=2.0) as http:
        yield CarsXEClient(
            http,
            api_key=Secret(carsxe.api_key),
            breaker=CircuitBreaker("carsxe"),
            retry=RetryPolicy(attempts=3, base_delay=0.01, sleep=no_wait),
        )


async def test_the_documented_shapes(carsxe: FakeCarsXE, client: CarsXEClient) -> None:
    """The documented example and a known code read; an unknown code is "not found"."""
    assert await client.obd_code("P0115") == ObdDiagnosis(
        "P0115", "Engine Coolant Temperature Circuit Malfunction"
    )
    assert (await client.obd_code("P0420")).diagnosis.startswith("Catalyst System Efficiency")
    with pytest.raises(ObdCodeNotFound) as unknown:
        await client.obd_code("P9999")
    assert unknown.value.paid_call_made
    assert carsxe.calls[0].params == {"code": "P0115", "key": carsxe.api_key}


async def test_odd_shapes(carsxe: FakeCarsXE, client: CarsXEClient) -> None:
    """Unknown under a 500 or a 200, a list of lines, a success with no words, and garbage."""
    carsxe.obd_codes["P1000"] = obd_unknown_code("P1000", status=500)
    carsxe.obd_codes["P1001"] = obd_unknown_code("P1001", status=200)
    carsxe.obd_codes["P1002"] = {"success": True, "diagnosis": ["Lean", "Bank 2"], "code": "P1002"}
    carsxe.obd_codes["P1003"] = {"success": True, "code": "P1003"}
    carsxe.obd_codes["P1004"] = Canned(200, "<html>nginx</html>", "text/html")
    for code in ("P1000", "P1001", "P1003"):
        with pytest.raises(ObdCodeNotFound):
            await client.obd_code(code)
    assert (await client.obd_code("P1002")).diagnosis == "Lean; Bank 2"
    with pytest.raises(BadProviderResponse):
        await client.obd_code("P1004")
    assert carsxe.count("/obdcodesdecoder") == 5  # each asked once: "unknown" is not retried


async def test_a_wrong_key_is_an_auth_error(carsxe: FakeCarsXE) -> None:
    """The fake checks the key on /obdcodesdecoder like on every CarsXE route."""
    async with carsxe_http_client(carsxe.base_url, timeout=2.0) as http:
        client = CarsXEClient(
            http,
            api_key=Secret("wrong"),
            breaker=CircuitBreaker("carsxe"),
            retry=RetryPolicy(attempts=1, sleep=no_wait),
        )
        with pytest.raises(ProviderAuthError):
            await client.obd_code("P0420")
