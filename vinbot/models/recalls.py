"""Recall campaigns and the report a recall lookup returns, dangerous campaigns first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable

type RecallSource = Literal["carsxe", "nhtsa"]
RECALL_SOURCES: tuple[RecallSource, ...] = ("carsxe", "nhtsa")


@dataclass(frozen=True, slots=True)
class Recall:
    """One recall campaign; a flag is None when the source does not say."""

    campaign_id: str  # NHTSA campaign number such as "21V201000" when known
    date: dt.date | None = None  # when the campaign was reported or issued
    component: str | None = None
    summary: str | None = None
    consequence: str | None = None
    remedy: str | None = None
    do_not_drive: bool | None = None  # NHTSA "park it": do not drive until repaired
    park_outside: bool | None = None  # fire risk: park outside, away from buildings
    stop_sale: bool | None = None
    remedy_available: bool | None = None
    over_the_air: bool | None = None  # the remedy is a software update sent over the air
    name: str | None = None
    status: str | None = None  # the source's campaign status, e.g. "Open"
    manufacturer: str | None = None
    notes: str | None = None

    @property
    def danger(self) -> int:
        """2 for do-not-drive, 1 for park-outside, else 0: higher is shown first."""
        if self.do_not_drive:
            return 2
        return 1 if self.park_outside else 0

    @property
    def dangerous(self) -> bool:
        """Whether the campaign tells owners not to drive or to park outside."""
        return self.danger > 0


def sort_recalls(recalls: Iterable[Recall]) -> tuple[Recall, ...]:
    """Dangerous first, then newest first (undated last), then by campaign id; no duplicates."""
    unique: dict[str, Recall] = {}
    for recall in recalls:
        unique.setdefault(recall.campaign_id, recall)
    by_id = sorted(unique.values(), key=lambda r: r.campaign_id)
    by_date = sorted(by_id, key=lambda r: r.date or dt.date.min, reverse=True)
    return tuple(sorted(by_date, key=lambda r: r.danger, reverse=True))


@dataclass(frozen=True, slots=True)
class RecallReport:
    """The recalls one source lists for a VIN (CarsXE) or for a make, model and year (NHTSA).

    `recalls` is always kept sorted by `sort_recalls`. `us_market_only` flags that the data is
    NHTSA's, which covers vehicles sold in the US, so the reader must be told.
    """

    source: RecallSource
    recalls: tuple[Recall, ...] = ()
    vin: str | None = None  # set when the source looked the VIN itself up
    make: str | None = None
    model: str | None = None
    year: int | None = None
    us_market_only: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "recalls", sort_recalls(self.recalls))

    @property
    def count(self) -> int:
        """How many campaigns are listed."""
        return len(self.recalls)

    @property
    def dangerous_count(self) -> int:
        """How many campaigns say do not drive or park outside."""
        return sum(1 for recall in self.recalls if recall.dangerous)

    @property
    def vin_specific(self) -> bool:
        """Whether the source checked this VIN rather than every car of the model."""
        return self.vin is not None

    @property
    def campaign_ids(self) -> frozenset[str]:
        """The campaign ids listed, for spotting new ones."""
        return frozenset(recall.campaign_id for recall in self.recalls)


class RecallNote(StrEnum):
    """Something the reader must be told about where a report's campaigns come from.

    Only codes: `formatters/recalls.py` words them, with what the report itself says (source,
    vehicle, whether it is VIN-level).
    """

    CARSXE_FAILED = "carsxe_failed"  # CarsXE did not answer: NHTSA's recalls for the model
    CARSXE_NO_DATA = "carsxe_no_data"  # CarsXE has no record of the VIN: NHTSA's for the model
    MODEL_WIDE = "model_wide"  # listed for every car of the make, model and year
    NONE_LISTED = "none_listed"  # no campaign on record, which is not a safety check
    US_COVERAGE = "us_coverage"  # the data covers vehicles sold in the US only


@dataclass(frozen=True, slots=True)
class RecallOutcome:
    """A finished recall lookup: the report, how it came, and honest notes for the reader."""

    report: RecallReport
    cached: bool = False
    paid_call_made: bool = False  # True only when this request made a paid call (count it)
    notes: tuple[RecallNote, ...] = ()
    unavailable: tuple[RecallSource, ...] = ()  # sources that failed (not "no data") on the way
