"""Licence plates: validating what a user typed, and what a plate lookup found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from vinbot.models.errors import InvalidPlate, InvalidRegion, PlateProblem, RegionProblem
from vinbot.models.vin import ascii_forms

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_COUNTRY: Final = "US"
MAX_PLATE_LENGTH: Final = 10

US_STATES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
        "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
        "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
        "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
        "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
        "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
        "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
        "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
        "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
        "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
        "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
        "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "AS": "American Samoa",
        "GU": "Guam", "MP": "Northern Mariana Islands", "PR": "Puerto Rico",
        "VI": "U.S. Virgin Islands",
    }
)  # fmt: skip
CA_PROVINCES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
        "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
        "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
        "SK": "Saskatchewan", "YT": "Yukon",
    }
)  # fmt: skip
AU_STATES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "ACT": "Australian Capital Territory", "NSW": "New South Wales",
        "NT": "Northern Territory", "QLD": "Queensland", "SA": "South Australia",
        "TAS": "Tasmania", "VIC": "Victoria", "WA": "Western Australia",
    }
)  # fmt: skip
# Countries whose plates are issued per state or province, so the lookup needs one.
STATE_TABLES: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {"US": US_STATES, "CA": CA_PROVINCES, "AU": AU_STATES}
)

_COUNTRY: Final = re.compile(r"[A-Z]{2}")
_OTHER_STATE: Final = re.compile(r"[A-Z0-9]{1,3}")
_PLATE: Final = re.compile(r"[A-Z0-9]+")
_PLATE_SEPARATORS: Final = re.compile(r"[\s.\-\u00b7]+")


@dataclass(frozen=True, slots=True)
class PlateResult:
    """What a plate lookup found; `vin` is None when the registry gave no usable VIN."""

    plate: str
    country: str
    state: str | None = None
    vin: str | None = None
    year: int | None = None
    make: str | None = None
    model: str | None = None
    trim: str | None = None
    description: str | None = None
    style: str | None = None
    body_style: str | None = None
    color: str | None = None
    fuel_type: str | None = None
    engine_size: str | None = None
    drive_type: str | None = None
    transmission: str | None = None


def validate_plate(plate: str) -> str:
    """The plate in capitals without spaces, dots or dashes (full-width forms read as ASCII);
    InvalidPlate for anything else."""
    compact = _PLATE_SEPARATORS.sub("", ascii_forms(plate).strip()).upper()
    if not compact:
        raise InvalidPlate(PlateProblem.EMPTY)
    if not compact.isascii() or not _PLATE.fullmatch(compact):
        raise InvalidPlate(PlateProblem.CHARACTERS)
    if len(compact) > MAX_PLATE_LENGTH:
        raise InvalidPlate(PlateProblem.TOO_LONG, length=len(compact), limit=MAX_PLATE_LENGTH)
    return compact


def validate_state(country: str | None, state: str | None) -> tuple[str, str | None]:
    """The country (US by default) and state codes in capitals; InvalidRegion when unusable.

    The US, Canada and Australia need a state or province from their table; other countries take
    an optional short region code, which the provider checks.
    """
    country_code = ascii_forms(country or DEFAULT_COUNTRY).strip().upper()
    state = ascii_forms(state) if state else None
    state_code = state.strip().upper() if state and state.strip() else None
    if not _COUNTRY.fullmatch(country_code):
        raise InvalidRegion(RegionProblem.COUNTRY_FORMAT, country=country_code, state=state_code)
    table = STATE_TABLES.get(country_code)
    if table is None:
        if state_code is not None and not _OTHER_STATE.fullmatch(state_code):
            raise InvalidRegion(RegionProblem.REGION_FORMAT, country=country_code, state=state_code)
        return country_code, state_code
    if state_code is None:
        raise InvalidRegion(RegionProblem.STATE_MISSING, country=country_code, state=None)
    if state_code not in table:
        raise InvalidRegion(RegionProblem.STATE_UNKNOWN, country=country_code, state=state_code)
    return country_code, state_code
