"""In-process fakes for the recalls, market value, photo, OCR and plate services' ports.

Each fake answers from what a test sets, or raises the error set, and records every call.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vinbot.models.errors import MarketValueNotFound, PlateNotFound
from vinbot.models.market_value import MarketValue, PriceRange
from vinbot.models.obd import ObdDiagnosis
from vinbot.models.ocr import OcrCandidate, OcrResult
from vinbot.models.plate import PlateResult
from vinbot.models.recalls import Recall, RecallReport
from vinbot.models.title_check import LienTheftReport, TheftEvent, TitleHistory

if TYPE_CHECKING:
    from vinbot.models.market_value import Condition

HONDA_VIN = "1HGCM82633A004352"
BMW_VIN = "WBAFR7C57CC811956"


def recall(
    campaign_id: str,
    *,
    date: dt.date | None = None,
    do_not_drive: bool | None = None,
    park_outside: bool | None = None,
    component: str = "AIR BAGS",
) -> Recall:
    """A Recall with just the fields a test cares about."""
    return Recall(
        campaign_id=campaign_id,
        date=date,
        do_not_drive=do_not_drive,
        park_outside=park_outside,
        component=component,
    )


def carsxe_report(vin: str = HONDA_VIN, *recalls: Recall) -> RecallReport:
    """A VIN-level report as CarsXE would give it."""
    return RecallReport(
        source="carsxe", recalls=recalls, vin=vin, make="Honda", model="Accord", year=2003
    )


def nhtsa_report(make: str, model: str, year: int, *recalls: Recall) -> RecallReport:
    """A model-level report as NHTSA would give it."""
    return RecallReport(source="nhtsa", recalls=recalls, make=make, model=model, year=year)


async def _answering[T](
    calls: list[T],
    call: T,
    delay: float,
    error: Exception | None,
    hold: asyncio.Event | None = None,
) -> None:
    """A fake endpoint's common start: record the call, wait `delay` (and for `hold` to be
    set, if given), raise `error` if set."""
    calls.append(call)
    await asyncio.sleep(delay)
    if hold is not None:
        await hold.wait()
    if error is not None:
        raise error


@dataclass
class FakeVinRecalls:
    """CarsXE's /v1/recalls: a report per VIN, or an error."""

    reports: dict[str, RecallReport] = field(default_factory=dict)
    error: Exception | None = None
    calls: list[str] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering, so concurrent lookups overlap

    async def recalls(self, vin: str) -> RecallReport:
        await _answering(self.calls, vin, self.delay, self.error)
        return self.reports.get(vin) or carsxe_report(vin, recall("23V123000"))


@dataclass
class FakeModelRecalls:
    """NHTSA's recallsByVehicle: a report per (make, model, year), or an error."""

    reports: dict[tuple[str, str, int], RecallReport] = field(default_factory=dict)
    error: Exception | None = None
    calls: list[tuple[str, str, int]] = field(default_factory=list)

    async def recalls_by_vehicle(self, make: str, model: str, year: int) -> RecallReport:
        self.calls.append((make, model, year))
        if self.error is not None:
            raise self.error
        found = self.reports.get((make, model, year))
        if found is not None:
            return found
        return nhtsa_report(make, model, year, recall("22V228000", do_not_drive=True))


def market_value(
    vin: str = BMW_VIN,
    *,
    mileage: int = 85_000,
    state: str | None = None,
    condition: Condition | None = None,
) -> MarketValue:
    """A valuation with all three ranges, echoing the inputs."""
    return MarketValue(
        vin=vin,
        mileage=mileage,
        state=state,
        condition=condition,
        retail=PriceRange.of({"excellent": 10_400, "clean": 9_125, "rough": 6_400}),
        trade_in=PriceRange.of({"clean": 4_700, "rough": 2_400}),
        wholesale=PriceRange.of({"clean": 5_100}),
        msrp=55_500,
        year=2012,
        make="BMW",
        model="5-Series",
        published=dt.date(2025, 4, 8),
    )


@dataclass
class FakeMarketValues:
    """CarsXE's /v2/marketvalue: a valuation echoing the inputs, or an error."""

    error: Exception | None = None
    calls: list[tuple[str, int, str | None, str | None]] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering, so concurrent lookups overlap

    async def market_value(
        self,
        vin: str,
        *,
        mileage: int,
        state: str | None = None,
        condition: Condition | None = None,
    ) -> MarketValue:
        self.calls.append((vin, mileage, state, condition))
        await asyncio.sleep(self.delay)
        if self.error is not None:
            if isinstance(self.error, MarketValueNotFound):
                raise MarketValueNotFound("carsxe", paid_call_made=True)
            raise self.error
        return market_value(vin, mileage=mileage, state=state, condition=condition)


@dataclass
class FakeImages:
    """CarsXE's /images: a link per (make, model), None, or an error; can hang."""

    links: dict[tuple[str, str], str | None] = field(default_factory=dict)
    error: Exception | None = None
    hang: bool = False
    calls: list[tuple[str, str, int | None, str | None]] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering

    async def images(
        self, make: str, model: str, year: int | None = None, trim: str | None = None
    ) -> str | None:
        self.calls.append((make, model, year, trim))
        await asyncio.sleep(self.delay)
        if self.hang:
            await asyncio.Event().wait()
        if self.error is not None:
            raise self.error
        return self.links.get((make, model), f"https://images.example.test/{make}-{model}.jpg")


@dataclass
class FakeVinReader:
    """CarsXE's /v1/vinocr: a set OcrResult, or an error; keeps the bytes it was sent."""

    result: OcrResult = field(
        default_factory=lambda: OcrResult(
            vin="JHLRD77874C026456",
            confidence=0.98,
            candidates=(OcrCandidate("JHLRD77874C026456", 0.98),),
        )
    )
    error: Exception | None = None
    images: list[bytes] = field(default_factory=list)

    async def vin_ocr(self, image: bytes) -> OcrResult:
        self.images.append(image)
        if self.error is not None:
            raise self.error
        return self.result


@dataclass
class FakePlates:
    """CarsXE's /v2/platedecoder: a result per plate, or an error."""

    error: Exception | None = None
    calls: list[tuple[str, str | None, str]] = field(default_factory=list)

    async def plate_decode(self, plate: str, state: str | None, country: str = "US") -> PlateResult:
        self.calls.append((plate, state, country))
        if self.error is not None:
            if isinstance(self.error, PlateNotFound):
                raise PlateNotFound("carsxe", paid_call_made=True)
            raise self.error
        return PlateResult(
            plate=plate,
            country=country,
            state=state,
            vin=HONDA_VIN,
            year=2003,
            make="Honda",
            model="Accord",
        )


# The theft and title check's two CarsXE endpoints.
STOLEN_EVENT = TheftEvent(
    name="Active Theft",
    kind="theft",
    location="OH",
    details=("The vehicle is reported to be an Active Theft.",),
)


@dataclass
class FakeTitleRecords:
    """CarsXE's /v1/lien-theft and /history: answers per VIN (none listed by default)."""

    thefts: dict[str, LienTheftReport] = field(default_factory=dict)
    histories: dict[str, TitleHistory] = field(default_factory=dict)
    theft_error: Exception | None = None
    history_error: Exception | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering, so concurrent checks overlap
    hold: asyncio.Event | None = None  # when given, every call answers once it is set

    async def lien_theft(self, vin: str) -> LienTheftReport:
        await _answering(self.calls, ("lien-theft", vin), self.delay, self.theft_error, self.hold)
        return self.thefts.get(vin, LienTheftReport())

    async def title_history(self, vin: str) -> TitleHistory:
        await _answering(self.calls, ("history", vin), self.delay, self.history_error, self.hold)
        return self.histories.get(vin, TitleHistory())


@dataclass
class FakeObdCodes:
    """CarsXE's /obdcodesdecoder: a meaning per code (a default otherwise), or an error."""

    meanings: dict[str, str] = field(default_factory=dict)
    error: Exception | None = None
    calls: list[str] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering, so concurrent lookups overlap

    async def obd_code(self, code: str) -> ObdDiagnosis:
        await _answering(self.calls, code, self.delay, self.error)
        return ObdDiagnosis(code, self.meanings.get(code, f"Meaning of {code}"))
