"""The real CarsXE and NHTSA clients over 127.0.0.1 against the fake upstream servers (no respx)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.fakes.carsxe_server import (
    Canned,
    FakeCarsXE,
    internal_error,
    international_body,
    not_found,
    quota_exhausted,
)
from tests.fakes.nhtsa_server import FakeNhtsa, undecodable_results
from vinbot.clients.breaker import CircuitBreaker
from vinbot.clients.carsxe import INTERNATIONAL_DECODER_WARNING, CarsXEClient, carsxe_http_client
from vinbot.clients.nhtsa import NhtsaVpicClient, nhtsa_http_client
from vinbot.clients.retry import RetryPolicy
from vinbot.config import Secret
from vinbot.models.errors import (
    CIRCUIT_OPEN,
    BadProviderResponse,
    ProviderAuthError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    VinNotFound,
)
from vinbot.models.vehicle import Attr

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
BMW_VIN = "WBAFR7C57CC811956"
HONDA_VIN = "1HGCM82633A004352"
FORD_VIN = "WF0MXXGBWM8R43240"


async def no_wait(_seconds: float) -> None:
    """Backoff that returns at once, so retries cost no wall time."""


def instant_retry(**overrides: float) -> RetryPolicy:
    settings = {"attempts": 3, "base_delay": 0.01, "max_delay": 0.05, "deadline": 5.0}
    settings.update(overrides)
    return RetryPolicy(sleep=no_wait, **settings)  # type: ignore[arg-type]


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
async def nhtsa_http(nhtsa: FakeNhtsa) -> AsyncIterator[httpx.AsyncClient]:
    async with nhtsa_http_client(nhtsa.base_url, timeout=2.0) as http:
        yield http


def carsxe_client(
    http: httpx.AsyncClient, carsxe: FakeCarsXE, retry: RetryPolicy | None = None
) -> CarsXEClient:
    return CarsXEClient(
        http,
        api_key=Secret(carsxe.api_key),
        breaker=CircuitBreaker("carsxe", failure_threshold=2),
        retry=retry or instant_retry(),
    )


def nhtsa_client(http: httpx.AsyncClient, retry: RetryPolicy | None = None) -> NhtsaVpicClient:
    return NhtsaVpicClient(
        http, breaker=CircuitBreaker("nhtsa", failure_threshold=2), retry=retry or instant_retry()
    )


async def test_carsxe_decodes_from_the_fake(
    carsxe: FakeCarsXE, carsxe_http: httpx.AsyncClient
) -> None:
    """The default fake answer decodes into the documented BMW spec, and the call is recorded."""
    spec = await carsxe_client(carsxe_http, carsxe).decode(BMW_VIN)

    assert (spec.source, spec.year, spec.make, spec.model) == ("carsxe", 2012, "BMW", "5-Series")
    assert spec.attributes[Attr.ENGINE] == "3.0L L6 DOHC 24V"
    assert carsxe.count("/specs") == 1
    assert carsxe.calls[0].params == {"vin": BMW_VIN, "key": carsxe.api_key}


async def test_carsxe_canned_answers_per_vin(
    carsxe: FakeCarsXE, carsxe_http: httpx.AsyncClient
) -> None:
    """Per-VIN canned answers give the international fallback, not-found and quota errors."""
    carsxe.specs[FORD_VIN] = international_body(FORD_VIN)
    carsxe.specs["1FTFW1ET5DFC10312"] = not_found()
    carsxe.specs["5YJ3E1EA7KF317000"] = quota_exhausted()
    client = carsxe_client(carsxe_http, carsxe)

    ford = await client.decode(FORD_VIN)
    with pytest.raises(VinNotFound):
        await client.decode("1FTFW1ET5DFC10312")
    with pytest.raises(ProviderQuotaExhausted):
        await client.decode("5YJ3E1EA7KF317000")

    assert (ford.make, ford.model, ford.warnings) == (
        "Ford",
        "Galaxy",
        (INTERNATIONAL_DECODER_WARNING,),
    )
    assert carsxe.counts["/specs"] == 3


async def test_carsxe_wrong_key_is_an_auth_error(
    carsxe: FakeCarsXE, carsxe_http: httpx.AsyncClient
) -> None:
    """The fake checks the key: a wrong one gets CarsXE's 401 and ProviderAuthError."""
    client = CarsXEClient(
        carsxe_http,
        api_key=Secret("not-the-key"),
        breaker=CircuitBreaker("carsxe"),
        retry=instant_retry(),
    )

    with pytest.raises(ProviderAuthError) as caught:
        await client.decode(BMW_VIN)

    assert "not-the-key" not in repr(caught.value)
    assert carsxe.count("/specs") == 1


async def test_carsxe_recovers_from_injected_gateway_errors(
    carsxe: FakeCarsXE, carsxe_http: httpx.AsyncClient
) -> None:
    """Two injected 503s are retried and the third call succeeds."""
    carsxe.fail_next(
        2, status=503, body="<html>Service Unavailable</html>", content_type="text/html"
    )

    spec = await carsxe_client(carsxe_http, carsxe).decode(BMW_VIN)

    assert spec.make == "BMW"
    assert carsxe.count("/specs") == 3


async def test_carsxe_500_is_retried_once(
    carsxe: FakeCarsXE, carsxe_http: httpx.AsyncClient
) -> None:
    """Repeated 500s stop after the second call with ProviderUnavailable."""
    carsxe.specs[BMW_VIN] = internal_error()

    with pytest.raises(ProviderUnavailable, match="HTTP 500"):
        await carsxe_client(carsxe_http, carsxe).decode(BMW_VIN)
    assert carsxe.count("/specs") == 2


async def test_carsxe_garbage_is_a_bad_response(
    carsxe: FakeCarsXE, carsxe_http: httpx.AsyncClient
) -> None:
    """An HTML 200 from the fake raises BadProviderResponse without a retry."""
    carsxe.garbage_next()

    with pytest.raises(BadProviderResponse):
        await carsxe_client(carsxe_http, carsxe).decode(BMW_VIN)
    assert carsxe.count("/specs") == 1


async def test_carsxe_latency_beyond_the_timeout_is_unavailable(carsxe: FakeCarsXE) -> None:
    """A fake slower than the client's timeout ends in ProviderUnavailable; the deadline, not the
    attempt count, stops the retries (no more than fit in it, however slow the machine)."""
    carsxe.latency = 0.5
    retry = RetryPolicy(attempts=5, base_delay=0.01, max_delay=0.01, deadline=0.4)
    async with carsxe_http_client(carsxe.base_url, timeout=0.15) as http:
        with pytest.raises(ProviderUnavailable, match=r"timeout|no answer within"):
            await carsxe_client(http, carsxe, retry).decode(BMW_VIN)

    assert 1 <= carsxe.count("/specs") <= 3


async def test_carsxe_breaker_opens_against_a_failing_fake(
    carsxe: FakeCarsXE, carsxe_http: httpx.AsyncClient
) -> None:
    """After two failed decodes the breaker answers for the fake, which sees no more calls."""
    carsxe.fail_next(10, status=502)
    client = carsxe_client(carsxe_http, carsxe, instant_retry(attempts=1))
    for _ in range(2):
        with pytest.raises(ProviderUnavailable, match="HTTP 502"):
            await client.decode(BMW_VIN)

    with pytest.raises(ProviderUnavailable, match=CIRCUIT_OPEN):
        await client.decode(BMW_VIN)
    assert carsxe.count("/specs") == 2


async def test_connection_refused_is_unavailable() -> None:
    """A fake that has stopped listening gives ProviderUnavailable after the retries, and
    since no request ever went out, no paid call is counted."""
    async with FakeCarsXE() as stopped:
        base_url, api_key = stopped.base_url, stopped.api_key
    async with carsxe_http_client(base_url, timeout=1.0) as http:
        client = CarsXEClient(
            http, api_key=Secret(api_key), breaker=CircuitBreaker("carsxe"), retry=instant_retry()
        )
        with pytest.raises(ProviderUnavailable, match="connection failed") as caught:
            await client.decode(BMW_VIN)
        assert not caught.value.paid_call_made


async def test_nhtsa_decodes_from_the_fake(nhtsa: FakeNhtsa, nhtsa_http: httpx.AsyncClient) -> None:
    """The fake's real Honda result decodes through the full vPIC path under /api."""
    spec = await nhtsa_client(nhtsa_http).decode(HONDA_VIN)

    assert (spec.source, spec.year, spec.make, spec.model, spec.trim) == (
        "nhtsa",
        2003,
        "Honda",
        "Accord",
        "EX-V6",
    )
    assert nhtsa.count("/api/vehicles/DecodeVinValues/{vin}") == 1
    assert nhtsa.calls[0].path == f"/api/vehicles/DecodeVinValues/{HONDA_VIN}"
    assert nhtsa.calls[0].params == {"format": "json"}


async def test_nhtsa_undecodable_vin_is_not_found(
    nhtsa: FakeNhtsa, nhtsa_http: httpx.AsyncClient
) -> None:
    """A VIN the fake answers with ErrorCode 7 and empty fields is VinNotFound, asked once."""
    vin = "SALGS2FE8HA123456"
    nhtsa.decodes[vin] = undecodable_results(vin, "7")

    with pytest.raises(VinNotFound):
        await nhtsa_client(nhtsa_http).decode(vin)
    assert nhtsa.count(f"/api/vehicles/DecodeVinValues/{vin}") == 1


async def test_nhtsa_retries_injected_faults(
    nhtsa: FakeNhtsa, nhtsa_http: httpx.AsyncClient
) -> None:
    """An injected 504 and a 500 are retried, and the third call decodes."""
    nhtsa.fail_next(status=504)
    nhtsa.fail_next(status=500)

    spec = await nhtsa_client(nhtsa_http).decode(HONDA_VIN)

    assert spec.make == "Honda"
    assert len(nhtsa.calls) == 3


async def test_nhtsa_canned_garbage_is_a_bad_response(
    nhtsa: FakeNhtsa, nhtsa_http: httpx.AsyncClient
) -> None:
    """A canned XML answer for one VIN raises BadProviderResponse."""
    nhtsa.decodes[HONDA_VIN] = Canned(200, "<Response/>", "application/xml")

    with pytest.raises(BadProviderResponse):
        await nhtsa_client(nhtsa_http).decode(HONDA_VIN)


async def test_nhtsa_slow_answer_times_out_then_recovers(nhtsa: FakeNhtsa) -> None:
    """One answer slower than the timeout is retried, and the prompt second answer is used."""
    nhtsa.slow_next(seconds=0.5)
    async with nhtsa_http_client(nhtsa.base_url, timeout=0.1) as http:
        spec = await nhtsa_client(http).decode(HONDA_VIN)

    assert spec.model == "Accord"
    assert len(nhtsa.calls) == 2


async def _read_port(process: asyncio.subprocess.Process) -> int:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
    key, _, value = line.decode().strip().partition("=")
    assert key == "PORT", line
    return int(value)


async def _stop(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode is not None
    return process.returncode


@pytest.mark.slow
@pytest.mark.parametrize("module", ["tests.fakes.carsxe_server", "tests.fakes.nhtsa_server"])
async def test_fakes_run_as_processes(module: str) -> None:
    """`python -m <fake> --port 0` prints PORT=<n>, serves the client, and exits 0 on SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        "--port",
        "0",
        "--latency",
        "0.01",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        port = await _read_port(process)
        root = f"http://127.0.0.1:{port}"
        if module.endswith("carsxe_server"):
            async with carsxe_http_client(root, timeout=2.0) as http:
                client = CarsXEClient(
                    http,
                    api_key=Secret("test-carsxe-key"),
                    breaker=CircuitBreaker("carsxe"),
                    retry=instant_retry(),
                )
                spec = await client.decode(BMW_VIN)
        else:
            async with nhtsa_http_client(f"{root}/api", timeout=2.0) as http:
                spec = await nhtsa_client(http).decode(HONDA_VIN)
    finally:
        returncode = await _stop(process)

    assert spec.make in {"BMW", "Honda"}
    assert returncode == 0
