"""OBD codes: CarsXE /obdcodesdecoder on respx, and the validating, caching, sharing service."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from tests.fakes.providers import DictCache
from tests.unit.carsxe_support import carsxe_client, carsxe_fixture
from vinbot.cache import keys
from vinbot.clients.carsxe import CarsXEClient
from vinbot.models.errors import (
    BadProviderResponse,
    InvalidObdCode,
    ObdCodeNotFound,
    ProviderUnavailable,
)
from vinbot.models.obd import ObdDiagnosis
from vinbot.services.obd import UNKNOWN_CODE_TTL, ObdService, dump_diagnosis, load_diagnosis

KEY = "sk_live_Obd0SecretKey"


@pytest.fixture
def client(http: httpx.AsyncClient) -> CarsXEClient:
    return carsxe_client(http, KEY)


async def test_the_documented_answer_is_read(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """The documented success body gives the diagnosis; the code and key go as parameters."""
    route = upstream.get("/obdcodesdecoder").respond(
        200, json=carsxe_fixture("obdcodesdecoder_success.json")
    )
    found = await client.obd_code("P0115")
    assert found == ObdDiagnosis("P0115", "Engine Coolant Temperature Circuit Malfunction")
    params = route.calls.last.request.url.params
    assert params["code"] == "P0115"
    assert params["key"] == KEY


@pytest.mark.parametrize(("status", "paid"), [(404, True), (200, True), (500, True), (400, False)])
async def test_an_unknown_code_is_not_found_whatever_the_status(
    client: CarsXEClient, upstream: respx.MockRouter, status: int, paid: bool
) -> None:
    """ "Could not find code" is an answer, not an outage, under any status; a 400 is unbilled."""
    route = upstream.get("/obdcodesdecoder").respond(
        status, json=carsxe_fixture("obdcodesdecoder_error_unknown_code.json")
    )
    with pytest.raises(ObdCodeNotFound) as caught:
        await client.obd_code("P9999")
    assert caught.value.paid_call_made is paid
    assert caught.value.code == "P9999"
    assert route.call_count == 1  # never retried


async def test_a_diagnosis_given_as_lines_is_joined(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """An odd body with the diagnosis as a list of lines still reads, empty lines dropped."""
    upstream.get("/obdcodesdecoder").respond(
        200, json={"success": True, "diagnosis": ["Misfire", "", "Cylinder 1"], "code": "P0301"}
    )
    assert (await client.obd_code("P0301")).diagnosis == "Misfire; Cylinder 1"


@pytest.mark.parametrize("diagnosis", [None, "", 42.0, {"text": "x"}, "Not Applicable"])
async def test_a_success_without_words_is_an_unknown_code(
    client: CarsXEClient, upstream: respx.MockRouter, diagnosis: object
) -> None:
    """success true with a missing, empty or non-text diagnosis is "unknown", counted as paid."""
    body = {"success": True, "code": "P0420", "date": "2020-07-04T21:44:39.767Z"}
    if diagnosis is not None:
        body["diagnosis"] = diagnosis
    upstream.get("/obdcodesdecoder").respond(200, json=body)
    if isinstance(diagnosis, float):  # a number is still words to show
        assert (await client.obd_code("P0420")).diagnosis == "42.0"
        return
    with pytest.raises(ObdCodeNotFound) as caught:
        await client.obd_code("P0420")
    assert caught.value.paid_call_made


async def test_garbage_is_an_outage(client: CarsXEClient, upstream: respx.MockRouter) -> None:
    """An HTML page or success false without a known message is an outage, never "unknown"."""
    upstream.get("/obdcodesdecoder").mock(
        side_effect=[
            httpx.Response(200, text="<html>nginx</html>", headers={"Content-Type": "text/html"}),
            httpx.Response(200, json={"success": False, "message": "Something odd"}),
        ]
    )
    with pytest.raises(BadProviderResponse):
        await client.obd_code("P0420")
    with pytest.raises(BadProviderResponse):
        await client.obd_code("P0420")


class FakeSource:
    """An /obdcodesdecoder stand-in that counts calls and can be slow or not know a code."""

    def __init__(self, *, unknown: bool = False, delay: float = 0.0) -> None:
        self.calls: list[str] = []
        self.unknown = unknown
        self.delay = delay

    async def obd_code(self, code: str) -> ObdDiagnosis:
        self.calls.append(code)
        await asyncio.sleep(self.delay)
        if self.unknown:
            raise ObdCodeNotFound("carsxe", code, paid_call_made=True)
        return ObdDiagnosis(code, f"meaning of {code}")


async def test_a_code_is_asked_once_then_served_from_the_cache_for_a_month() -> None:
    """The first ask is paid and cached for OBD_TTL; the next is free and makes no call."""
    source, cache = FakeSource(), DictCache()
    service = ObdService(source, cache)
    assert await service.explain("p0420") == (ObdDiagnosis("P0420", "meaning of P0420"), True)
    assert await service.explain("P0420") == (ObdDiagnosis("P0420", "meaning of P0420"), False)
    assert await service.cached("P0420") == ObdDiagnosis("P0420", "meaning of P0420")
    assert source.calls == ["P0420"]
    assert cache.ttls[keys.obd_code_key("P0420")] == keys.OBD_TTL


async def test_an_unknown_code_is_remembered_for_a_week() -> None:
    """ "Unknown" is cached for UNKNOWN_CODE_TTL and raised again without a paid call."""
    source, cache = FakeSource(unknown=True), DictCache()
    service = ObdService(source, cache)
    with pytest.raises(ObdCodeNotFound) as first:
        await service.explain("P1234")
    assert first.value.paid_call_made
    with pytest.raises(ObdCodeNotFound) as again:
        await service.explain("P1234")
    assert not again.value.paid_call_made
    with pytest.raises(ObdCodeNotFound):
        await service.cached("P1234")
    assert source.calls == ["P1234"]
    assert cache.ttls[keys.obd_code_key("P1234")] == UNKNOWN_CODE_TTL


async def test_a_malformed_code_makes_no_call() -> None:
    """InvalidObdCode is raised before the cache or CarsXE is asked."""
    source = FakeSource()
    with pytest.raises(InvalidObdCode):
        await ObdService(source, DictCache()).explain("P99999")
    assert source.calls == []


async def test_concurrent_asks_share_one_paid_call() -> None:
    """Two asks at once make one request; only the one that made it is told it paid."""
    source = FakeSource(delay=0.05)
    service = ObdService(source, DictCache())
    results = await asyncio.gather(service.explain("P0301"), service.explain("P0301"))
    assert sorted(paid for _, paid in results) == [False, True]
    assert source.calls == ["P0301"]


async def test_an_outage_is_not_cached() -> None:
    """When CarsXE cannot answer, nothing is cached and the next ask tries again."""

    class Down(FakeSource):
        async def obd_code(self, code: str) -> ObdDiagnosis:
            self.calls.append(code)
            raise ProviderUnavailable("carsxe", "HTTP 503")

    source, cache = Down(), DictCache()
    with pytest.raises(ProviderUnavailable):
        await ObdService(source, cache).explain("P0420")
    assert cache.data == {}


@pytest.mark.parametrize(
    "text", ["nonsense", '{"v":2,"code":"P0420","diagnosis":"x"}', '{"v":1,"code":"P0420"}', "[]"]
)
def test_the_cache_format_refuses_anything_else(text: str) -> None:
    """load_diagnosis reads only what dump_diagnosis wrote."""
    assert load_diagnosis(text) is None
    written = dump_diagnosis(ObdDiagnosis("P0420", "Catalyst"))
    assert load_diagnosis(written) == ObdDiagnosis("P0420", "Catalyst")
