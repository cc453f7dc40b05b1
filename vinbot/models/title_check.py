"""Theft, lien and title records (CarsXE /v1/lien-theft and NMVTIS /history), and who they cover."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from vinbot.models.errors import LookupNotFound
from vinbot.models.vin import analyse
from vinbot.models.wmi import NORTH_AMERICA

if TYPE_CHECKING:
    from vinbot.models.vin import VinAnalysis

type EventKind = Literal["theft", "lien", "recovered", "export", "impound", "for_sale", "other"]
type RecordSection = Literal["junk_salvage", "insurance", "brand", "title", "history"]

# What each kind of lien/theft event is called by CarsXE (matched on lower-cased words).
_EVENT_WORDS: Final[tuple[tuple[str, EventKind], ...]] = (
    ("recovered", "recovered"),
    ("theft", "theft"),
    ("stolen", "theft"),
    ("lien", "lien"),
    ("export", "export"),
    ("tow", "impound"),
    ("impound", "impound"),
    ("for sale", "for_sale"),
)
# Words in an event's name that say it is over ("Lien Released", "Inactive Theft"): information
# only, never a warning to call the police or the lender.
_CLOSED_WORDS: Final = (
    "release",
    "satisf",
    "clear",
    "closed",
    "inactive",
    "not active",
    "no longer",
    "paid off",
    "resolved",
    "removed",
    "cancel",
    "terminat",
    "discharg",
    "withdrawn",
    "expired",
)
# Words in a title brand or record that mean the car was written off or badly damaged.
WRITE_OFF_WORDS: Final = (
    "salvage",
    "junk",
    "total loss",
    "totaled",
    "flood",
    "water damage",
    "rebuilt",
    "reconstructed",
    "scrap",
    "crush",
    "dismantle",
    "destroyed",
    "fire",
    "hail",
    "non-repairable",
    "nonrepairable",
    "parts only",
    "lemon",
    "buyback",
)


class TitleRecordsNotFound(LookupNotFound):
    """CarsXE has no lien/theft or title records for this VIN (not the same as a clean car)."""

    def __init__(self, provider: str, *, paid_call_made: bool = False) -> None:
        super().__init__(provider, "VIN's theft and title records", paid_call_made=paid_call_made)


def event_kind(name: str) -> EventKind:
    """The kind of a lien/theft event from its name ("Active Theft" -> "theft"); an event that
    is over ("Lien Released", "Inactive Theft", "Theft Closed") is "other": information only."""
    lowered = name.lower()
    if any(word in lowered for word in _CLOSED_WORDS):
        return "other"
    for word, kind in _EVENT_WORDS:
        if word in lowered:
            return kind
    return "other"


@dataclass(frozen=True, slots=True)
class TheftEvent:
    """One lien or theft event: what, where, when and what the record says."""

    name: str  # as CarsXE names it, e.g. "Active Theft"
    kind: EventKind
    location: str | None = None
    date: dt.date | None = None
    details: tuple[str, ...] = ()
    lienholder: str | None = None


@dataclass(frozen=True, slots=True)
class LienTheftReport:
    """The lien and theft events CarsXE lists for a VIN; none listed is not "clean"."""

    events: tuple[TheftEvent, ...] = ()

    def of_kind(self, kind: EventKind) -> tuple[TheftEvent, ...]:
        """The events of one kind, in the order given."""
        return tuple(event for event in self.events if event.kind == kind)


@dataclass(frozen=True, slots=True)
class TitleRecord:
    """One NMVTIS record, whichever list it came from; every field may be missing."""

    section: RecordSection
    date: dt.date | None = None
    state: str | None = None
    description: str | None = None  # a brand, a disposition, a title type
    reported_by: str | None = None
    odometer: int | None = None

    @property
    def writes_off(self) -> bool:
        """Whether this record says the car was written off (salvage, junk, total loss…)."""
        if self.section in {"junk_salvage", "insurance"}:
            return True
        text = (self.description or "").lower()
        return any(word in text for word in WRITE_OFF_WORDS)


@dataclass(frozen=True, slots=True)
class TitleHistory:
    """What NMVTIS returned: every record found, the brand count and whether the VIN changed."""

    records: tuple[TitleRecord, ...] = ()
    brands_count: int | None = None
    vin_changed: bool | None = None

    def section(self, section: RecordSection) -> tuple[TitleRecord, ...]:
        """The records from one list."""
        return tuple(record for record in self.records if record.section == section)

    @property
    def titles(self) -> tuple[TitleRecord, ...]:
        """Title and history records in date order (undated last)."""
        dated = [r for r in self.records if r.section in {"title", "history"}]
        return tuple(sorted(dated, key=lambda r: (r.date is None, r.date or dt.date.min)))

    @property
    def write_offs(self) -> tuple[TitleRecord, ...]:
        """Junk, salvage and insurance total-loss records, and write-off brands."""
        return tuple(record for record in self.records if record.writes_off)

    @property
    def odometer_rollbacks(self) -> tuple[tuple[TitleRecord, TitleRecord], ...]:
        """Pairs of dated records where the later reading is lower than the highest before it."""
        readings = [r for r in self.records if r.date is not None and r.odometer is not None]
        readings.sort(key=lambda r: r.date or dt.date.min)
        found: list[tuple[TitleRecord, TitleRecord]] = []
        highest: TitleRecord | None = None
        for record in readings:
            if highest is not None and (record.odometer or 0) < (highest.odometer or 0):
                found.append((highest, record))
            if highest is None or (record.odometer or 0) >= (highest.odometer or 0):
                highest = record
        return tuple(found)


@dataclass(frozen=True, slots=True)
class TitleCheck:
    """Both answers for a VIN; a part is None when its source could not answer just now.

    `theft` with no events and `history` with no records mean "no records found", never
    "clean": the sources only know what was reported to them.
    """

    vin: str
    checked_at: dt.datetime
    theft: LienTheftReport | None
    history: TitleHistory | None

    @property
    def complete(self) -> bool:
        """Whether both sources answered (only then is the answer cached)."""
        return self.theft is not None and self.history is not None


# Paid lookups one check uses: /v1/lien-theft and /history.
CHECK_COST: Final = 2


def is_us_market(vin: str) -> bool:
    """Whether a valid VIN may belong to a car titled in the US, so NMVTIS could know it."""
    return analysed_us_market(analyse(vin))


def analysed_us_market(analysis: VinAnalysis) -> bool:
    """is_us_market for a VIN already analysed.

    A North American WMI (USA, Canada, Mexico) always may be. A car built elsewhere for the US
    market carries a correct check digit and a WMI registered with NHTSA (vPIC); most cars
    built for other markets fail the check digit, and those are refused with no paid call.
    """
    if not analysis.valid:
        return False
    if analysis.region == NORTH_AMERICA:
        return True
    known_wmi = analysis.manufacturer is not None or bool(analysis.makes)
    return bool(analysis.check_digit_valid) and known_wmi
