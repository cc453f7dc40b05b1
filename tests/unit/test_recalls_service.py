"""RecallsService: CarsXE by VIN when allowed, NHTSA by model otherwise, honest notes, caching."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.beyond import (
    HONDA_VIN,
    FakeModelRecalls,
    FakeVinRecalls,
    carsxe_report,
    nhtsa_report,
    recall,
)
from tests.fakes.providers import DictCache, FakeProvider
from vinbot import budget
from vinbot.cache import keys
from vinbot.clients.offline import OfflineProvider
from vinbot.models.errors import (
    CIRCUIT_OPEN,
    InvalidVin,
    ProviderUnavailable,
    RecallsUnavailable,
    VinNotFound,
)
from vinbot.models.recalls import Recall, RecallNote, RecallReport
from vinbot.models.vehicle import VehicleSpec
from vinbot.services.decoding import DecodeService
from vinbot.services.recalls import (
    NO_RECALLS_TTL,
    RecallsService,
    dump_report,
    load_report,
)
from vinbot.services.spec_codec import dump_spec

MODEL_KEY = keys.recalls_by_model_key("Honda", "Accord", 2003)
VIN_KEY = keys.recalls_by_vin_key(HONDA_VIN)


class World:
    """A recalls service over fakes, with the pieces a test inspects."""

    def __init__(self, *, with_carsxe: bool = True) -> None:
        self.cache = DictCache()
        self.vpic = FakeProvider("nhtsa")
        self.decoder = DecodeService([self.vpic], OfflineProvider(), self.cache)
        self.carsxe = FakeVinRecalls()
        self.nhtsa = FakeModelRecalls()
        self.service = RecallsService(
            self.decoder,
            self.cache,
            carsxe=self.carsxe if with_carsxe else None,
            nhtsa=self.nhtsa,
        )


@pytest.fixture
def world() -> World:
    return World()


async def test_paid_lookup_asks_carsxe_by_vin_and_caches_it(world: World) -> None:
    """Allowed and configured, CarsXE answers for the VIN; the answer is cached for hours."""
    first = await world.service.recalls(HONDA_VIN, allow_paid=True)
    second = await world.service.recalls(HONDA_VIN.lower(), allow_paid=True)

    assert first.report.source == "carsxe"
    assert first.report.vin == HONDA_VIN
    assert (first.paid_call_made, first.cached) == (True, False)
    assert (second.paid_call_made, second.cached) == (False, True)
    assert second.report == first.report
    assert world.carsxe.calls == [HONDA_VIN]
    assert world.nhtsa.calls == []
    assert world.cache.ttls[VIN_KEY] == keys.RECALLS_TTL
    assert RecallNote.US_COVERAGE in first.notes


async def test_free_lookup_asks_nhtsa_with_the_decoded_model(world: World) -> None:
    """Without paid calls, NHTSA is asked with the free decode's make, model and year."""
    outcome = await world.service.recalls(HONDA_VIN, allow_paid=False)

    assert outcome.report.source == "nhtsa"
    assert not outcome.report.vin_specific
    assert outcome.paid_call_made is False
    assert world.carsxe.calls == []
    assert world.nhtsa.calls == [("Honda", "Accord", 2003)]
    assert world.vpic.calls == [HONDA_VIN]
    assert world.cache.ttls[MODEL_KEY] == keys.RECALLS_TTL
    assert RecallNote.MODEL_WIDE in outcome.notes
    assert RecallNote.US_COVERAGE in outcome.notes


async def test_without_a_carsxe_key_nhtsa_answers(world: World) -> None:
    """With no CarsXE client configured, a paid-allowed lookup still goes to NHTSA for free."""
    free_world = World(with_carsxe=False)

    outcome = await free_world.service.recalls(HONDA_VIN, allow_paid=True)

    assert outcome.report.source == "nhtsa"
    assert outcome.paid_call_made is False
    assert not free_world.service.has_paid_source


async def test_the_cached_spec_is_used_without_decoding(world: World) -> None:
    """A decode already cached supplies make, model and year without asking vPIC again."""
    spec = VehicleSpec(HONDA_VIN, "carsxe", year=2003, make="Honda", model="Accord")
    world.cache.data[keys.spec_key(HONDA_VIN)] = dump_spec(spec)

    await world.service.recalls(HONDA_VIN, allow_paid=False)

    assert world.vpic.calls == []
    assert world.nhtsa.calls == [("Honda", "Accord", 2003)]


async def test_nhtsa_results_are_cached_per_model(world: World) -> None:
    """A second free lookup of the same model is answered from the cache."""
    await world.service.recalls(HONDA_VIN, allow_paid=False)
    again = await world.service.recalls(HONDA_VIN, allow_paid=False)

    assert again.cached
    assert len(world.nhtsa.calls) == 1


@pytest.mark.parametrize(
    "error",
    [
        ProviderUnavailable("carsxe", "HTTP 503"),
        ProviderUnavailable("carsxe", CIRCUIT_OPEN),
    ],
)
async def test_carsxe_failure_falls_back_to_nhtsa_with_a_note(
    world: World, error: Exception
) -> None:
    """When CarsXE fails, NHTSA answers, the note says so, and no paid call is counted."""
    world.carsxe.error = error

    outcome = await world.service.recalls(HONDA_VIN, allow_paid=True)

    assert outcome.report.source == "nhtsa"
    assert outcome.unavailable == ("carsxe",)
    assert outcome.notes[0] is RecallNote.CARSXE_FAILED
    assert outcome.paid_call_made is False
    assert VIN_KEY not in world.cache.data


async def test_carsxe_no_data_falls_back_and_is_remembered(world: World) -> None:
    """CarsXE's "no data" is counted, remembered for a day, and NHTSA answers with a note."""
    world.carsxe.error = VinNotFound("carsxe")

    first = await world.service.recalls(HONDA_VIN, allow_paid=True)
    second = await world.service.recalls(HONDA_VIN, allow_paid=True)

    assert first.report.source == second.report.source == "nhtsa"
    assert (first.paid_call_made, second.paid_call_made) == (True, False)
    assert RecallNote.CARSXE_NO_DATA in first.notes
    assert RecallNote.CARSXE_NO_DATA in second.notes
    assert world.carsxe.calls == [HONDA_VIN]
    no_data_key = keys.not_found_key("carsxe-recalls", HONDA_VIN)
    assert world.cache.ttls[no_data_key] == keys.NOT_FOUND_TTL


async def test_a_cached_vin_report_is_served_without_quota(world: World) -> None:
    """A VIN-level report already paid for is served free to a user without quota."""
    await world.service.recalls(HONDA_VIN, allow_paid=True)

    outcome = await world.service.recalls(HONDA_VIN, allow_paid=False)

    assert outcome.report.source == "carsxe"
    assert (outcome.cached, outcome.paid_call_made) == (True, False)
    assert world.nhtsa.calls == []


async def test_every_source_failing_is_unavailable_and_not_cached(world: World) -> None:
    """CarsXE and NHTSA both failing raise RecallsUnavailable; nothing is cached; retry asks."""
    world.carsxe.error = ProviderUnavailable("carsxe", "timeout")
    world.nhtsa.error = ProviderUnavailable("nhtsa", "HTTP 502")

    with pytest.raises(RecallsUnavailable) as caught:
        await world.service.recalls(HONDA_VIN, allow_paid=True)

    assert caught.value.reason == "providers"
    assert caught.value.paid_call_made is False
    assert "no recalls" not in str(caught.value).lower()
    assert VIN_KEY not in world.cache.data
    assert MODEL_KEY not in world.cache.data
    world.nhtsa.error = None
    outcome = await world.service.recalls(HONDA_VIN, allow_paid=True)
    assert outcome.report.source == "nhtsa"
    assert len(world.nhtsa.calls) == 2


async def test_a_paid_no_data_answer_is_counted_even_when_nhtsa_fails(world: World) -> None:
    """The error after CarsXE's billed "no data" still says a paid call was made."""
    world.carsxe.error = VinNotFound("carsxe")
    world.nhtsa.error = ProviderUnavailable("nhtsa", "timeout")

    with pytest.raises(RecallsUnavailable) as caught:
        await world.service.recalls(HONDA_VIN, allow_paid=True)

    assert caught.value.paid_call_made is True


async def test_no_recalls_never_reads_as_safe(world: World) -> None:
    """An empty answer notes that no campaign is on record (worded as not a safety check)."""
    world.nhtsa.reports[("Honda", "Accord", 2003)] = nhtsa_report("Honda", "Accord", 2003)

    outcome = await world.service.recalls(HONDA_VIN, allow_paid=False)

    assert outcome.report.count == 0
    assert RecallNote.NONE_LISTED in outcome.notes
    assert world.cache.ttls[MODEL_KEY] == NO_RECALLS_TTL < keys.RECALLS_TTL


async def test_unknown_vehicle_cannot_be_checked(world: World) -> None:
    """With no model known (vPIC has no data), RecallsUnavailable says the vehicle is unknown."""
    world.vpic.error = VinNotFound("nhtsa")

    with pytest.raises(RecallsUnavailable) as caught:
        await world.service.recalls(HONDA_VIN, allow_paid=False)

    assert caught.value.reason == "vehicle_unknown"
    assert world.nhtsa.calls == []


async def test_decoder_outage_is_a_provider_failure(world: World) -> None:
    """With vPIC down, the offline decode has no model and the reason is a provider failure."""
    world.vpic.error = ProviderUnavailable("nhtsa", "timeout")

    with pytest.raises(RecallsUnavailable) as caught:
        await world.service.recalls(HONDA_VIN, allow_paid=False)

    assert caught.value.reason == "providers"


async def test_invalid_vin_is_refused_before_any_call(world: World) -> None:
    """A VIN with a wrong North-American check digit raises InvalidVin and calls nobody."""
    with pytest.raises(InvalidVin):
        await world.service.recalls("1HGCM82623A004352", allow_paid=True)

    assert world.carsxe.calls == world.nhtsa.calls == world.vpic.calls == []


async def test_the_alert_path_is_free_only(world: World) -> None:
    """nhtsa_recalls_for_vin never asks CarsXE, and shares the model cache."""
    report = await world.service.nhtsa_recalls_for_vin(HONDA_VIN)
    again = await world.service.nhtsa_recalls_for_vin(HONDA_VIN)

    assert report.source == "nhtsa"
    assert report.campaign_ids == frozenset({"22V228000"})
    assert again == report
    assert world.carsxe.calls == []
    assert len(world.nhtsa.calls) == 1


async def test_corrupt_cache_entries_are_misses(world: World) -> None:
    """An unreadable cached report is ignored and the source is asked again."""
    world.cache.data[VIN_KEY] = "{not json"

    outcome = await world.service.recalls(HONDA_VIN, allow_paid=True)

    assert outcome.report.source == "carsxe"
    assert world.carsxe.calls == [HONDA_VIN]


def test_a_cached_report_round_trips() -> None:
    """dump_report and load_report keep every field of every recall."""
    report = carsxe_report(
        HONDA_VIN,
        recall("23V123000", date=dt.date(2023, 3, 2), do_not_drive=True),
        Recall(
            "22V500000",
            date=dt.date(2022, 7, 1),
            component="BRAKES",
            summary="s",
            consequence="c",
            remedy="r",
            do_not_drive=False,
            park_outside=None,
            stop_sale=True,
            remedy_available=False,
            over_the_air=True,
            name="n",
            status="Open",
            manufacturer="Honda",
            notes="x",
        ),
    )

    assert load_report(dump_report(report)) == report


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"v": 99}',
        '{"v": 1, "source": "autodev", "recalls": []}',
        '{"v": 1, "source": "nhtsa", "recalls": [{"campaign_id": 5}]}',
        '{"v": 1, "source": "nhtsa", "recalls": [{"campaign_id": "x", "date": "soon"}]}',
        '{"v": 1, "source": "nhtsa", "recalls": [], "year": "2003"}',
        '{"v": 1, "source": "nhtsa", "recalls": [{"campaign_id": "x", "stop_sale": "yes"}]}',
    ],
)
def test_foreign_cache_values_load_as_none(text: str) -> None:
    """Anything dump_report did not write reads as a miss."""
    assert load_report(text) is None


_REPORTS = st.builds(
    RecallReport,
    source=st.sampled_from(["carsxe", "nhtsa"]),
    recalls=st.lists(
        st.builds(
            Recall,
            campaign_id=st.text(min_size=1, max_size=12),
            date=st.none() | st.dates(),
            component=st.none() | st.text(max_size=20),
            do_not_drive=st.none() | st.booleans(),
            park_outside=st.none() | st.booleans(),
        ),
        max_size=5,
    ).map(tuple),
    vin=st.none() | st.just(HONDA_VIN),
    year=st.none() | st.integers(1966, 2040),
)


@given(_REPORTS)
def test_any_report_round_trips(report: RecallReport) -> None:
    """Every report survives the cache unchanged."""
    assert load_report(dump_report(report)) == report


async def test_a_double_tap_makes_one_paid_call(world: World) -> None:
    """Two recall lookups for one VIN at once: one CarsXE request, counted for one of them."""
    world.carsxe.delay = 0.01

    first, second = await asyncio.gather(
        world.service.recalls(HONDA_VIN, allow_paid=True),
        world.service.recalls(HONDA_VIN, allow_paid=True),
    )

    assert world.carsxe.calls == [HONDA_VIN]
    assert first.report == second.report
    assert (first.paid_call_made, second.paid_call_made) == (True, False)
    assert second.cached


async def test_a_shared_failure_after_a_paid_no_data_is_counted_once(world: World) -> None:
    world.carsxe.delay = 0.01
    world.carsxe.error = VinNotFound("carsxe")
    world.nhtsa.error = ProviderUnavailable("nhtsa", "timeout")

    outcomes = await asyncio.gather(
        world.service.recalls(HONDA_VIN, allow_paid=True),
        world.service.recalls(HONDA_VIN, allow_paid=True),
        return_exceptions=True,
    )

    assert world.carsxe.calls == [HONDA_VIN]
    errors = [o for o in outcomes if isinstance(o, RecallsUnavailable)]
    assert [e.paid_call_made for e in errors] == [True, False]


async def test_a_carsxe_request_sent_without_an_answer_is_counted(world: World) -> None:
    """CarsXE's request that may have been billed (no answer) counts, and NHTSA still answers."""
    world.carsxe.error = ProviderUnavailable("carsxe", "timeout", paid_call_made=True)

    outcome = await world.service.recalls(HONDA_VIN, allow_paid=True)

    assert outcome.report.source == "nhtsa"
    assert outcome.paid_call_made is True


@dataclass
class BudgetedVinRecalls(FakeVinRecalls):
    """CarsXE recalls that record the time budget each call was given."""

    budgets: list[float | None] = field(default_factory=list)

    async def recalls(self, vin: str) -> RecallReport:
        self.budgets.append(budget.remaining())
        return await super().recalls(vin)


async def test_carsxe_gets_two_thirds_of_the_deadline() -> None:
    """A recall lookup is bounded: CarsXE's call gets two thirds of it, NHTSA keeps the rest."""
    world = World()
    carsxe = BudgetedVinRecalls()
    service = RecallsService(
        world.decoder, world.cache, carsxe=carsxe, nhtsa=world.nhtsa, deadline_seconds=9
    )

    await service.recalls(HONDA_VIN, allow_paid=True)

    (left,) = carsxe.budgets
    assert left is not None
    assert 5.9 < left <= 6


async def test_a_hanging_carsxe_leaves_nhtsa_time_to_answer() -> None:
    """CarsXE never answering is cut at its share, and NHTSA's answer comes with the note."""
    world = World()
    world.carsxe.delay = 60
    service = RecallsService(
        world.decoder, world.cache, carsxe=world.carsxe, nhtsa=world.nhtsa, deadline_seconds=0.6
    )

    outcome = await service.recalls(HONDA_VIN, allow_paid=True)

    assert outcome.report.source == "nhtsa"
    assert outcome.unavailable == ("carsxe",)
    assert outcome.notes[0] is RecallNote.CARSXE_FAILED
