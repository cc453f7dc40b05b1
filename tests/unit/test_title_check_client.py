"""CarsXE /v1/lien-theft and /history on respx: documented bodies, no-data, errors, odd shapes."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import respx

from tests.unit.carsxe_support import carsxe_client, carsxe_fixture
from vinbot.clients.carsxe_title import CarsXETitleRecords
from vinbot.clients.retry import RetryPolicy
from vinbot.models.errors import BadProviderResponse, ProviderQuotaExhausted, ProviderUnavailable
from vinbot.models.title_check import TitleRecordsNotFound

KEY = "sk_live_TitleKeyValue"
VIN = "2C3CDXFG1FH762860"


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
def records(http: httpx.AsyncClient) -> CarsXETitleRecords:
    retry = RetryPolicy(attempts=2, base_delay=0.0, sleep=_no_sleep, random=lambda: 0.5)
    return CarsXETitleRecords(carsxe_client(http, KEY, retry=retry))


async def test_documented_lien_theft_body(
    records: CarsXETitleRecords, upstream: respx.MockRouter
) -> None:
    """The documented example becomes one recovered-theft event in Ohio, its details kept."""
    route = upstream.get("/v1/lien-theft").respond(
        200, json=carsxe_fixture("lien_theft_success.json")
    )
    report = await records.lien_theft(VIN)
    (event,) = report.events
    assert (event.name, event.kind, event.location) == ("Recovered Theft", "recovered", "OH")
    assert event.details == ("The vehicle is reported to be an Recovered Theft.",)
    assert route.calls.last.request.url.params["vin"] == VIN


@pytest.mark.parametrize("status", [200, 404])
async def test_lien_theft_no_data_is_not_found_and_paid(
    records: CarsXETitleRecords, upstream: respx.MockRouter, status: int
) -> None:
    """CarsXE's "No lien or theft data" envelope is no records, a call that was billed."""
    upstream.get("/v1/lien-theft").respond(
        status, json=carsxe_fixture("lien_theft_error_no_data.json")
    )
    with pytest.raises(TitleRecordsNotFound) as caught:
        await records.lien_theft(VIN)
    assert caught.value.paid_call_made


async def test_validation_refusal_is_not_billed(
    records: CarsXETitleRecords, upstream: respx.MockRouter
) -> None:
    """A 400 (failed validation is free) is no records with no paid call."""
    upstream.get("/history").respond(400, json=carsxe_fixture("specs_error_missing_vin.json"))
    with pytest.raises(TitleRecordsNotFound) as caught:
        await records.title_history(VIN)
    assert not caught.value.paid_call_made


async def test_quota_and_server_errors_map_like_other_endpoints(
    records: CarsXETitleRecords, upstream: respx.MockRouter
) -> None:
    """429 is the exhausted quota; a 500 is the provider being unavailable."""
    upstream.get("/v1/lien-theft").respond(
        429, json=carsxe_fixture("error_quota_exceeded_429.json")
    )
    upstream.get("/history").respond(500, json=carsxe_fixture("error_internal_500.json"))
    with pytest.raises(ProviderQuotaExhausted):
        await records.lien_theft(VIN)
    with pytest.raises(ProviderUnavailable):
        await records.title_history(VIN)


async def test_success_false_with_another_message_is_unreadable(
    records: CarsXETitleRecords, upstream: respx.MockRouter
) -> None:
    """`success: false` with an unknown message is a bad answer, not an empty record."""
    upstream.get("/history").respond(200, json={"success": False, "message": "Something odd"})
    with pytest.raises(BadProviderResponse):
        await records.title_history(VIN)


async def test_documented_history_placeholder_has_no_records(
    records: CarsXETitleRecords, upstream: respx.MockRouter
) -> None:
    """The documented schema ("string", [{}]) parses to no records, a count and a flag."""
    upstream.get("/history").respond(200, json=carsxe_fixture("history_schema_placeholder.json"))
    history = await records.title_history(VIN)
    assert history.records == ()
    assert history.brands_count == 0
    assert history.vin_changed is True


async def test_history_records_read_defensively(
    records: CarsXETitleRecords, upstream: respx.MockRouter
) -> None:
    """NMVTIS-style records are read whatever their layout; odd fields are skipped, no crash."""
    body = {
        "success": True,
        "vin": VIN,
        "junkAndSalvageInformation": [
            {
                "ReportingEntityAbstract": {"EntityName": "Copart", "State": "FL"},
                "VehicleObtainedDate": "2021-04-01",
                "VehicleDispositionText": "SOLD",
            },
            "not a record",
            {},
        ],
        "insuranceInformation": {"InsuranceCompany": "Acme Mutual", "LossDate": "3/9/2021"},
        "brandsRecordCount": "2",
        "brandsInformation": [{"BrandName": "SALVAGE", "BrandDate": None, "State": 7}],
        "vinChanged": "N",
        "currentTitleInformation": [
            {"TitleIssueDate": "2022-01-02T00:00:00Z", "State": "TX", "Odometer": "40,000 mi"}
        ],
        "historyInformation": "unexpected text",
    }
    upstream.get("/history").respond(200, json=body)
    history = await records.title_history(VIN)
    junk, insurance, brand, title = history.records
    assert (junk.section, junk.reported_by, junk.description) == ("junk_salvage", "Copart", "SOLD")
    assert junk.date == dt.date(2021, 4, 1)
    assert (insurance.reported_by, insurance.date) == ("Acme Mutual", dt.date(2021, 3, 9))
    assert (brand.description, brand.state) == ("SALVAGE", "7")
    assert (title.state, title.odometer, title.date) == ("TX", 40000, dt.date(2022, 1, 2))
    assert history.brands_count == 2
    assert history.vin_changed is False
    assert len(history.write_offs) == 3


async def test_odd_lien_theft_events_never_crash(
    records: CarsXETitleRecords, upstream: respx.MockRouter
) -> None:
    """Events that are not objects, lack a name or have odd details are skipped or trimmed."""
    body = {
        "success": True,
        "events": [
            "junk",
            {"location": "CA"},
            {"event": "Active Theft", "details_list": "Reported stolen", "date": "2024-05-01"},
            {"event": "Open Lien", "lienholder": {"name": "Acme Credit"}, "details_list": 7},
        ],
    }
    upstream.get("/v1/lien-theft").respond(200, json=body)
    theft, lien = (await records.lien_theft(VIN)).events
    assert (theft.kind, theft.details, theft.date) == (
        "theft",
        ("Reported stolen",),
        dt.date(2024, 5, 1),
    )
    assert (lien.kind, lien.lienholder, lien.details) == ("lien", "Acme Credit", ("7",))


async def test_events_not_a_list_is_an_unreadable_answer(
    records: CarsXETitleRecords, upstream: respx.MockRouter
) -> None:
    """An `events` that is not a list cannot be trusted to mean "none": it is a bad answer."""
    upstream.get("/v1/lien-theft").respond(200, json={"success": True, "events": {"x": 1}})
    with pytest.raises(BadProviderResponse):
        await records.lien_theft(VIN)
