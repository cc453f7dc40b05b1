"""The recalls use-case: CarsXE by VIN when allowed, else NHTSA by make, model and year."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from typing import TYPE_CHECKING, Any, Final, Protocol

from vinbot import budget
from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.errors import (
    InvalidVin,
    ProviderUnavailable,
    RecallsUnavailable,
    VinNotFound,
)
from vinbot.models.recalls import (
    RECALL_SOURCES,
    Recall,
    RecallNote,
    RecallOutcome,
    RecallReport,
    RecallSource,
)
from vinbot.models.vin import analyse
from vinbot.services.single_flight import SingleFlight

if TYPE_CHECKING:
    from vinbot.cache.base import Cache
    from vinbot.models.vehicle import DecodeResult, VehicleSpec

log = get_logger(__name__)

FORMAT_VERSION: Final = 1
# "No recalls" may mean NHTSA spells the model differently, and new campaigns appear: ask again
# sooner than when campaigns were found.
NO_RECALLS_TTL: Final = min(keys.RECALLS_TTL, 60 * 60)
CARSXE_NO_DATA_TTL: Final = keys.NOT_FOUND_TTL
_CARSXE_RECALLS: Final = "carsxe-recalls"
# A lookup answers within its deadline: CarsXE may use two thirds of it, NHTSA (and a decode
# for the model) the rest; a source ignoring its share is cut this much later.
CARSXE_SHARE: Final = 2 / 3
BACKSTOP_GRACE_SECONDS: Final = 0.5


class VinRecallsSource(Protocol):
    """Recalls for one VIN (CarsXE); raises VinNotFound or ProviderUnavailable."""

    async def recalls(self, vin: str) -> RecallReport:
        """The campaigns listed for a valid VIN."""
        ...


class ModelRecallsSource(Protocol):
    """Recalls for a make, model and year (NHTSA); raises ProviderUnavailable."""

    async def recalls_by_vehicle(self, make: str, model: str, year: int) -> RecallReport:
        """The campaigns listed for every vehicle of that make, model and year."""
        ...


class Decoder(Protocol):
    """What the recalls service needs from the decode service: a make, model and year."""

    async def cached(self, vin: str) -> VehicleSpec | None:
        """The cached decode, with no provider asked."""
        ...

    async def decode(self, raw_vin: str, *, allow_paid: bool = True) -> DecodeResult:
        """A decode, free providers only when allow_paid is False."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class _Vehicle:
    make: str
    model: str
    year: int


class RecallsService:
    """Recall lookups for the bot, the alert job and the CLI; failures are never "no recalls"."""

    def __init__(
        self,
        decoder: Decoder,
        cache: Cache,
        *,
        carsxe: VinRecallsSource | None,
        nhtsa: ModelRecallsSource,
        deadline_seconds: float = 15.0,
    ) -> None:
        self._deadline = deadline_seconds
        self._decoder = decoder
        self._cache = cache
        self._carsxe = carsxe
        self._nhtsa = nhtsa
        self._flights: SingleFlight[tuple[str, bool], RecallOutcome | RecallsUnavailable] = (
            SingleFlight()
        )

    @property
    def has_paid_source(self) -> bool:
        """Whether a VIN-level (paid) recall source is configured."""
        return self._carsxe is not None

    async def recalls(self, vin: str, *, allow_paid: bool) -> RecallOutcome:
        """A VIN's recalls: CarsXE when allowed, else (or when it fails) NHTSA's for the model.

        Raises InvalidVin before any call, and RecallsUnavailable when no source could answer;
        `paid_call_made` on the outcome or the error says whether to count a paid call.
        """
        vin = _valid(vin)
        # A double tap, or two users asking about the same car, makes one request: the caller
        # that joins another's is told it made no paid call.
        found, shared = await self._flights.run(
            (vin, allow_paid), lambda: self._recalls(vin, allow_paid=allow_paid)
        )
        if isinstance(found, RecallsUnavailable):
            raise RecallsUnavailable(
                found.reason, paid_call_made=found.paid_call_made and not shared
            )
        return dataclasses.replace(found, cached=True, paid_call_made=False) if shared else found

    async def _recalls(self, vin: str, *, allow_paid: bool) -> RecallOutcome | RecallsUnavailable:
        """The lookup recalls() shares; "unavailable" is returned, to be raised by each caller."""
        with budget.spend_at_most(self._deadline):
            return await self._recalls_in_time(vin, allow_paid=allow_paid)

    async def _recalls_in_time(
        self, vin: str, *, allow_paid: bool
    ) -> RecallOutcome | RecallsUnavailable:
        unavailable: list[RecallSource] = []
        carsxe_no_data = False
        paid = False
        # A VIN-level report already paid for is served to everyone, quota or not.
        cached = await self._load(keys.recalls_by_vin_key(vin))
        if cached is not None:
            return _outcome(cached, cached=True)
        if allow_paid and self._carsxe is not None:
            no_data_key = keys.not_found_key(_CARSXE_RECALLS, vin)
            carsxe_no_data = await self._cache.get(no_data_key) is not None
            if not carsxe_no_data:
                left = budget.remaining()
                share = (self._deadline if left is None else left) * CARSXE_SHARE
                try:
                    with budget.spend_at_most(share):
                        async with asyncio.timeout(share + BACKSTOP_GRACE_SECONDS):
                            report = await self._carsxe.recalls(vin)
                except VinNotFound:
                    paid = carsxe_no_data = True
                    log.info("recalls_no_data", provider="carsxe", vin=vin)
                    await self._cache.set(no_data_key, "1", CARSXE_NO_DATA_TTL)
                except (ProviderUnavailable, TimeoutError) as exc:
                    unavailable.append("carsxe")
                    if isinstance(exc, ProviderUnavailable):
                        paid |= exc.paid_call_made  # sent, no answer: it may have been billed
                    reason = exc.reason if isinstance(exc, ProviderUnavailable) else "deadline"
                    log.warning("recalls_failed", provider="carsxe", vin=vin, error=reason)
                else:
                    await self._store(keys.recalls_by_vin_key(vin), report)
                    return _outcome(report, paid_call_made=True)
        try:
            report, cached_nhtsa = await self._nhtsa_report(vin)
        except RecallsUnavailable as exc:
            return RecallsUnavailable(exc.reason, paid_call_made=paid)
        return _outcome(
            report,
            cached=cached_nhtsa,
            paid_call_made=paid,
            unavailable=tuple(unavailable),
            carsxe_no_data=carsxe_no_data,
        )

    async def cached(self, vin: str) -> RecallOutcome | None:
        """The VIN's recalls as cached (by VIN, else by its cached make, model and year), or
        None: no provider is asked and no decode is made (the PDF report reads this)."""
        vin = _valid(vin)
        report = await self._load(keys.recalls_by_vin_key(vin))
        if report is None:
            spec = await self._decoder.cached(vin)
            year = (spec.year if spec is not None else None) or _vin_year(vin)
            if spec is None or not spec.make or not spec.model or year is None:
                return None
            report = await self._load(keys.recalls_by_model_key(spec.make, spec.model, year))
        return None if report is None else _outcome(report, cached=True)

    async def nhtsa_recalls_for_vin(self, vin: str) -> RecallReport:
        """NHTSA's recalls for the VIN's make, model and year: the free path the alert job uses.

        Raises InvalidVin, or RecallsUnavailable when the vehicle or NHTSA cannot be known now.
        """
        report, _ = await self._nhtsa_report(_valid(vin))
        return report

    async def _nhtsa_report(self, vin: str) -> tuple[RecallReport, bool]:
        vehicle = await self._vehicle(vin)
        key = keys.recalls_by_model_key(vehicle.make, vehicle.model, vehicle.year)
        cached = await self._load(key)
        if cached is not None:
            return cached, True
        try:
            report = await self._nhtsa.recalls_by_vehicle(vehicle.make, vehicle.model, vehicle.year)
        except (ProviderUnavailable, VinNotFound) as exc:
            log.warning("recalls_failed", provider="nhtsa", vin=vin, error=type(exc).__name__)
            raise RecallsUnavailable("providers") from None
        await self._store(key, report, keys.RECALLS_TTL if report.recalls else NO_RECALLS_TTL)
        return report, False

    async def _vehicle(self, vin: str) -> _Vehicle:
        """The make, model and year to ask NHTSA with, from the cached or a free decode."""
        spec = await self._decoder.cached(vin)
        year = spec.year if spec is not None else None
        failed = False
        if spec is None or not (spec.make and spec.model and (year or _vin_year(vin))):
            try:
                result = await self._decoder.decode(vin, allow_paid=False)
            except (ProviderUnavailable, VinNotFound):
                raise RecallsUnavailable("providers") from None
            spec, year, failed = result.spec, result.model_year, bool(result.unavailable)
        year = year or _vin_year(vin)
        if not spec.make or not spec.model or year is None:
            raise RecallsUnavailable("providers" if failed else "vehicle_unknown")
        return _Vehicle(spec.make, spec.model, year)

    async def _load(self, key: str) -> RecallReport | None:
        text = await self._cache.get(key)
        return load_report(text) if text is not None else None

    async def _store(self, key: str, report: RecallReport, ttl: int = keys.RECALLS_TTL) -> None:
        await self._cache.set(key, dump_report(report), ttl)


def _valid(vin: str) -> str:
    analysis = analyse(vin)
    if not analysis.valid:
        raise InvalidVin(analysis)
    return analysis.vin


def _vin_year(vin: str) -> int | None:
    return analyse(vin).model_year


def _outcome(
    report: RecallReport,
    *,
    cached: bool = False,
    paid_call_made: bool = False,
    unavailable: tuple[RecallSource, ...] = (),
    carsxe_no_data: bool = False,
) -> RecallOutcome:
    notes: list[RecallNote] = []
    if "carsxe" in unavailable:
        notes.append(RecallNote.CARSXE_FAILED)
    elif carsxe_no_data and report.source == "nhtsa":
        notes.append(RecallNote.CARSXE_NO_DATA)
    if not report.vin_specific:
        notes.append(RecallNote.MODEL_WIDE)
    if not report.recalls:
        notes.append(RecallNote.NONE_LISTED)
    if report.us_market_only:
        notes.append(RecallNote.US_COVERAGE)
    return RecallOutcome(
        report=report,
        cached=cached,
        paid_call_made=paid_call_made,
        notes=tuple(notes),
        unavailable=unavailable,
    )


def dump_report(report: RecallReport) -> str:
    """Serialise a report for the cache."""
    return json.dumps(
        {
            "v": FORMAT_VERSION,
            "source": report.source,
            "vin": report.vin,
            "make": report.make,
            "model": report.model,
            "year": report.year,
            "us": report.us_market_only,
            "recalls": [_dump_recall(recall) for recall in report.recalls],
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _dump_recall(recall: Recall) -> dict[str, Any]:
    data = dataclasses.asdict(recall)
    data["date"] = recall.date.isoformat() if recall.date else None
    return data


def load_report(text: str) -> RecallReport | None:
    """Parse what dump_report wrote; None for anything else (old format, corruption)."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
            return None
        source = data["source"]
        if source not in RECALL_SOURCES or not isinstance(data["recalls"], list):
            return None
        recalls = tuple(_load_recall(item) for item in data["recalls"])
        return RecallReport(
            source=source,
            recalls=recalls,
            vin=_optional(data.get("vin"), str),
            make=_optional(data.get("make"), str),
            model=_optional(data.get("model"), str),
            year=_optional(data.get("year"), int),
            us_market_only=bool(data.get("us", True)),
        )
    except (ValueError, TypeError, KeyError):
        return None


def _load_recall(item: object) -> Recall:
    if not isinstance(item, dict) or not isinstance(item.get("campaign_id"), str):
        raise TypeError("not a recall")
    when = item.get("date")

    def text(name: str) -> str | None:
        return _optional(item.get(name), str)

    def flag(name: str) -> bool | None:
        return _optional(item.get(name), bool)

    return Recall(
        campaign_id=item["campaign_id"],
        date=dt.date.fromisoformat(when) if isinstance(when, str) else None,
        component=text("component"),
        summary=text("summary"),
        consequence=text("consequence"),
        remedy=text("remedy"),
        do_not_drive=flag("do_not_drive"),
        park_outside=flag("park_outside"),
        stop_sale=flag("stop_sale"),
        remedy_available=flag("remedy_available"),
        over_the_air=flag("over_the_air"),
        name=text("name"),
        status=text("status"),
        manufacturer=text("manufacturer"),
        notes=text("notes"),
    )


def _optional[T](value: object, kind: type[T]) -> T | None:
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"expected {kind.__name__}")
    return value
