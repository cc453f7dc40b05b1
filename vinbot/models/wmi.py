"""What the World Manufacturer Identifier (VIN positions 1-3) says: region, country and maker.

Region and country come from the ISO 3780 country-code ranges on the first two characters.
Ranges whose assignment is disputed or was reallocated (most of Africa, `VX`-`V2`) answer None
rather than guess. `7F`-`70` belongs to the United States since SAE extended the US ranges.

The manufacturer comes from the curated table in `wmi_table`: exact three-character matches only
(plus positions 12-14 for small manufacturers, whose third character is 9), never a
two-character guess. Unknown WMIs answer None, and the bot then shows only region and country.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from vinbot.models.wmi_table import (
    HEAVY_VEHICLE_WMIS,
    SMALL_MANUFACTURER_ASSIGNMENTS,
    WMI_ASSIGNMENTS,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

# ISO 3780 orders each position's characters this way; ranges such as "X3-X0" follow it.
ISO_3780_ORDER: Final = "ABCDEFGHJKLMNPRSTUVWXYZ1234567890"

NORTH_AMERICA: Final = "North America"

_REGION_BY_FIRST_CHARACTER: Final = MappingProxyType(
    {
        **dict.fromkeys("ABCDEFGH", "Africa"),
        **dict.fromkeys("JKLMNPR", "Asia"),
        **dict.fromkeys("STUVWXYZ", "Europe"),
        **dict.fromkeys("12345", NORTH_AMERICA),
        **dict.fromkeys("67", "Oceania"),
        **dict.fromkeys("89", "South America"),
    }
)

# (first character, first second character, last second character, country)
_COUNTRY_RANGES: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("A", "A", "H", "South Africa"),
    ("J", "A", "0", "Japan"),
    ("K", "A", "E", "Sri Lanka"),
    ("K", "F", "K", "Israel"),
    ("K", "L", "R", "South Korea"),
    ("K", "S", "0", "Kazakhstan"),
    ("L", "A", "0", "China"),
    ("M", "A", "E", "India"),
    ("M", "F", "K", "Indonesia"),
    ("M", "L", "R", "Thailand"),
    ("N", "A", "E", "Iran"),
    ("N", "F", "K", "Pakistan"),
    ("N", "L", "R", "Turkey"),
    ("P", "A", "E", "Philippines"),
    ("P", "F", "K", "Singapore"),
    ("P", "L", "R", "Malaysia"),
    ("R", "A", "E", "United Arab Emirates"),
    ("R", "F", "K", "Taiwan"),
    ("R", "L", "R", "Vietnam"),
    ("R", "S", "0", "Saudi Arabia"),
    ("S", "A", "M", "United Kingdom"),
    ("S", "N", "T", "Germany"),
    ("S", "U", "Z", "Poland"),
    ("S", "1", "4", "Latvia"),
    ("T", "A", "H", "Switzerland"),
    ("T", "J", "P", "Czech Republic"),
    ("T", "R", "V", "Hungary"),
    ("T", "W", "1", "Portugal"),
    ("U", "H", "M", "Denmark"),
    ("U", "N", "T", "Ireland"),
    ("U", "U", "Z", "Romania"),
    ("U", "5", "7", "Slovakia"),
    ("V", "A", "E", "Austria"),
    ("V", "F", "R", "France"),
    ("V", "S", "W", "Spain"),
    ("V", "3", "5", "Croatia"),
    ("V", "6", "0", "Estonia"),
    ("W", "A", "0", "Germany"),
    ("X", "A", "E", "Bulgaria"),
    ("X", "F", "K", "Greece"),
    ("X", "L", "R", "Netherlands"),
    ("X", "S", "W", "Russia"),
    ("X", "X", "2", "Luxembourg"),
    ("X", "3", "0", "Russia"),
    ("Y", "A", "E", "Belgium"),
    ("Y", "F", "K", "Finland"),
    ("Y", "L", "R", "Malta"),
    ("Y", "S", "W", "Sweden"),
    ("Y", "X", "2", "Norway"),
    ("Y", "3", "5", "Belarus"),
    ("Y", "6", "0", "Ukraine"),
    ("Z", "A", "R", "Italy"),
    ("Z", "X", "2", "Slovenia"),
    ("Z", "3", "5", "Lithuania"),
    ("Z", "6", "0", "Russia"),
    ("1", "A", "0", "United States"),
    ("2", "A", "0", "Canada"),
    ("3", "A", "W", "Mexico"),
    ("3", "X", "7", "Costa Rica"),
    ("3", "8", "0", "Cayman Islands"),
    ("4", "A", "0", "United States"),
    ("5", "A", "0", "United States"),
    ("6", "A", "W", "Australia"),
    ("7", "A", "E", "New Zealand"),
    ("7", "F", "0", "United States"),
    ("8", "A", "E", "Argentina"),
    ("8", "F", "K", "Chile"),
    ("8", "L", "R", "Ecuador"),
    ("8", "S", "W", "Peru"),
    ("8", "X", "2", "Venezuela"),
    ("9", "A", "E", "Brazil"),
    ("9", "F", "K", "Colombia"),
    ("9", "L", "R", "Paraguay"),
    ("9", "S", "W", "Uruguay"),
    ("9", "X", "2", "Trinidad and Tobago"),
    ("9", "3", "9", "Brazil"),
)

WMI_LENGTH: Final = 3
SMALL_MANUFACTURER_MARK: Final = "9"  # in position 3: positions 12-14 complete the identity
_SMALL_MANUFACTURER_SUFFIX: Final = slice(11, 14)


@dataclass(frozen=True, slots=True)
class WmiAssignment:
    """Who holds a WMI, and the brand when the WMI settles one."""

    manufacturer: str
    brand: str | None = None
    heavy_vehicles_only: bool = False  # trucks, buses or trailers: position 7 gives no year


def region_for(wmi: str) -> str | None:
    """The continent a WMI's country code belongs to, or None when it is not a VIN character."""
    if wmi[:1] == "7" and country_for(wmi) == "United States":
        return NORTH_AMERICA
    return _REGION_BY_FIRST_CHARACTER.get(wmi[:1])


def country_for(wmi: str) -> str | None:
    """The ISO 3780 country of a WMI's first two characters, or None when unassigned or unsure."""
    first, second = wmi[:1], wmi[1:2]
    position = ISO_3780_ORDER.find(second) if second else -1
    if position < 0:
        return None
    for range_first, start, end, country in _COUNTRY_RANGES:
        if first != range_first:
            continue
        if ISO_3780_ORDER.index(start) <= position <= ISO_3780_ORDER.index(end):
            return country
    return None


def is_north_american(wmi: str) -> bool:
    """Whether the WMI is North American, where the check digit is mandatory."""
    return region_for(wmi) == NORTH_AMERICA


def assignment_for(vin: str) -> WmiAssignment | None:
    """The exact WMI assignment of a normalised VIN, or None when the table does not know it."""
    wmi = vin[:WMI_LENGTH]
    if len(wmi) < WMI_LENGTH:
        return None
    if wmi.endswith(SMALL_MANUFACTURER_MARK):
        suffix = vin[_SMALL_MANUFACTURER_SUFFIX]
        if len(suffix) < WMI_LENGTH:
            return None
        return _small_manufacturers().get(wmi + suffix)
    return _assignments().get(wmi)


def manufacturer_for(vin: str) -> str | None:
    """The manufacturer holding a normalised VIN's WMI, exact matches only, else None."""
    assignment = assignment_for(vin)
    return assignment.manufacturer if assignment else None


@cache
def _assignments() -> Mapping[str, WmiAssignment]:
    return MappingProxyType(
        {
            wmi: WmiAssignment(manufacturer, brand, wmi in HEAVY_VEHICLE_WMIS)
            for wmi, manufacturer, brand in WMI_ASSIGNMENTS
        }
    )


@cache
def _small_manufacturers() -> Mapping[str, WmiAssignment]:
    return MappingProxyType(
        {
            key: WmiAssignment(manufacturer, brand)
            for key, manufacturer, brand in SMALL_MANUFACTURER_ASSIGNMENTS
        }
    )
