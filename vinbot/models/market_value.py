"""A market valuation (retail, private party, trade-in ranges) and the inputs that shaped it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final, Literal

from vinbot.models.errors import InvalidCondition, InvalidMileage

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

type Condition = Literal["excellent", "clean", "average", "rough"]
CONDITIONS: Final[tuple[Condition, ...]] = ("excellent", "clean", "average", "rough")
_CONDITION_ALIASES: Final[Mapping[str, Condition]] = {
    "excellent": "excellent",
    "extra clean": "excellent",
    "xclean": "excellent",
    "clean": "clean",
    "good": "clean",
    "average": "average",
    "avg": "average",
    "fair": "average",
    "rough": "rough",
    "poor": "rough",
}

MAX_MILEAGE: Final = 2_000_000
_MAX_TEXT_LENGTH: Final = 40
_THOUSAND: Final = Decimal(1000)
_SEPARATORS: Final = ",. '_\u00a0\u202f\u2009\u2019"
_PLAIN: Final = re.compile(r"[0-9]+")
_GROUPED: Final = re.compile(r"[0-9]{1,3}(?:(?P<sep>[,. '_\u00a0\u202f\u2009\u2019])[0-9]{3})+")
_DECIMAL: Final = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
# Units and "thousand" as people write them in the bot's languages. "mil" is miles in Turkish
# and Polish but "thousand" in Spanish and Portuguese: it counts as miles only after a number
# of four digits or more ("85000 mil"), and "85 mil" is not guessed at.
_UNIT: Final = re.compile(
    r"\s*(?:miles?|mi\.?|мил[ьиія]|millas?|milhas?|mile|mila|ميل|أميال|ميلا)$"
)
_AMBIGUOUS_MIL: Final = re.compile(r"\s*mil$")
_KILOMETRES: Final = re.compile(
    r"\s*(?:km|kms|kilomet(?:er|re)s?|км|кілометр\w*|километр\w*|kil[oó]metros?"
    r"|quil[oô]metros?|kilometr\w*|كم|كيلومتر\w*)$"
)
_THOUSANDS: Final = re.compile(r"\s*(?:k|thousand|тыс\.?|тис\.?|bin|tys\.?|ألف)$")
_MINUS: Final = "-\u2212\u2013"


@dataclass(frozen=True, slots=True)
class PriceRange:
    """US dollar values from the roughest to the best condition the source priced."""

    low: int
    high: int
    by_condition: Mapping[Condition, int] = field(default_factory=dict)

    def at(self, condition: Condition | None) -> int | None:
        """The value for one condition, when the source priced it."""
        return None if condition is None else self.by_condition.get(condition)

    @classmethod
    def of(cls, values: Mapping[Condition, int]) -> PriceRange | None:
        """The range over the conditions priced; None when nothing was priced."""
        priced = {c: v for c, v in values.items() if v > 0}
        if not priced:
            return None
        return cls(low=min(priced.values()), high=max(priced.values()), by_condition=priced)


@dataclass(frozen=True, slots=True)
class MarketValue:
    """What a vehicle is worth, as ranges per kind of sale, with the inputs echoed."""

    vin: str
    mileage: int | None = None
    state: str | None = None
    condition: Condition | None = None
    retail: PriceRange | None = None  # what a dealer would ask
    private_party: PriceRange | None = None  # between two private people
    trade_in: PriceRange | None = None  # what a dealer would give
    wholesale: PriceRange | None = None  # what dealers pay each other at auction
    msrp: int | None = None
    year: int | None = None
    make: str | None = None
    model: str | None = None
    series: str | None = None
    style: str | None = None
    published: dt.date | None = None  # when the source's price data was published
    currency: str = "USD"

    @property
    def has_prices(self) -> bool:
        """Whether any kind of sale was priced."""
        return any(
            r is not None for r in (self.retail, self.private_party, self.trade_in, self.wholesale)
        )


def parse_condition(text: str | None) -> Condition | None:
    """A condition from a word such as "Clean" or "good"; None for empty input."""
    if text is None or not text.strip():
        return None
    condition = _CONDITION_ALIASES.get(" ".join(text.lower().replace("-", " ").split()))
    if condition is None:
        raise InvalidCondition(text)
    return condition


def parse_mileage(text: str) -> int:
    """Miles from text like "85000", "85,000", "85 000", "85k" or "85.5K miles"; InvalidMileage."""
    # NFKC: full-width digits and letters read as the plain ones.
    cleaned = " ".join(unicodedata.normalize("NFKC", text).strip().lower().split())
    if not cleaned or len(cleaned) > _MAX_TEXT_LENGTH:
        raise InvalidMileage("unreadable")
    if cleaned[0] in _MINUS:
        raise InvalidMileage("negative")
    if _KILOMETRES.search(cleaned):
        raise InvalidMileage("kilometres")
    cleaned = _UNIT.sub("", cleaned)
    mil = _AMBIGUOUS_MIL.search(cleaned)
    if mil:
        cleaned = cleaned[: mil.start()]
    thousands = _THOUSANDS.search(cleaned)
    if mil and not thousands and sum(char.isdigit() for char in cleaned) < 4:  # noqa: PLR2004
        raise InvalidMileage("unreadable")  # "85 mil": 85 miles, or 85,000 in Spanish?
    if thousands:
        cleaned = cleaned[: thousands.start()]
    miles = _thousands_of_miles(cleaned) if thousands else _whole_miles(cleaned)
    if miles is None:
        raise InvalidMileage("unreadable")
    if miles > MAX_MILEAGE:
        raise InvalidMileage("too_high", miles=miles)
    return miles


def _whole_miles(number: str) -> int | None:
    if _PLAIN.fullmatch(number):
        return int(number)
    grouped = _GROUPED.fullmatch(number)
    if grouped is None:
        return None
    separator = grouped.group("sep")
    # One separator throughout: "85,000.5" or "1.250,000" are not miles.
    if any(char in _SEPARATORS and char != separator for char in number):
        return None
    return int("".join(char for char in number if char not in _SEPARATORS))


def _thousands_of_miles(number: str) -> int | None:
    # With "k", "85.5" and "85,5" are decimals; "1 250" is a grouped whole number.
    if not _DECIMAL.fullmatch(number):
        whole = _whole_miles(number)
        return None if whole is None else whole * 1000
    try:
        value = Decimal(number.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None
    return int((value * _THOUSAND).to_integral_value())
