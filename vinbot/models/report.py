"""What a PDF report holds: everything vinbot already knows about one car, each part dated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt

    from vinbot.models.market_value import MarketValue
    from vinbot.models.recalls import RecallOutcome
    from vinbot.models.vehicle import DecodeResult


@dataclass(frozen=True, slots=True)
class TitleCheckSummary:
    """A cached theft and title check, already in words (the check's own formatter makes them).

    `danger` lines lead the section (the PDF prints them in red); `lines` follow (title
    history, notes); `coverage`, what the sources cover, closes it and is never cut.
    """

    source: str  # e.g. "CarsXE lien & theft, NMVTIS title history"
    checked_at: dt.datetime | None
    danger: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    coverage: str | None = None


@dataclass(frozen=True, slots=True)
class CachedValuation:
    """The most recent market valuation of the VIN still cached, and when it was made."""

    value: MarketValue
    valued_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything cached about a VIN when the report was asked for; None = not fetched yet.

    `paid_features` says whether this bot can fetch the CarsXE-only parts at all (a key).
    `photo` holds image bytes when a picture of the model was on file and could be fetched.
    """

    vin: str
    built_at: dt.datetime
    paid_features: bool
    decode: DecodeResult | None = None
    photo_url: str | None = None
    photo: bytes | None = None
    recalls: RecallOutcome | None = None
    title_check: TitleCheckSummary | None = None
    valuation: CachedValuation | None = None
