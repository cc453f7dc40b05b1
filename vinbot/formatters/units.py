"""Unit conversion for display: provider numbers are imperial; people may prefer metric."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vinbot.models.records import Units

_L_PER_100KM_FROM_MPG = 235.214583
_CM_PER_IN = 2.54
_KG_PER_LB = 0.45359237
_L_PER_GAL = 3.785411784


def parse_number(text: str) -> float | None:
    """A plain numeral such as '18', '55500' or '1,234.5'; None for anything else."""
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _fmt(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def economy(city: str | None, highway: str | None, units: Units) -> str | None:
    """'18 city / 27 hwy mpg' or '13.1 city / 8.7 hwy L/100 km'; None when neither is known."""
    parts: list[str] = []
    for label, raw in (("city", city), ("hwy", highway)):
        number = parse_number(raw) if raw else None
        if number is None or number <= 0:
            continue
        if units == "metric":
            parts.append(f"{_fmt(_L_PER_100KM_FROM_MPG / number, 1)} {label}")
        else:
            parts.append(f"{_fmt(number)} {label}")
    if not parts:
        return None
    return " / ".join(parts) + (" L/100 km" if units == "metric" else " mpg")


def length(inches: str, units: Units) -> str:
    """A length given in inches, shown in the chosen units."""
    number = parse_number(inches)
    if number is None:
        return inches
    if units == "metric":
        return f"{_fmt(number * _CM_PER_IN)} cm"
    return f"{_fmt(number, 1).removesuffix('.0')} in"


def weight(pounds: str, units: Units) -> str:
    """A weight given in pounds, shown in the chosen units."""
    number = parse_number(pounds)
    if number is None:
        return pounds
    if units == "metric":
        return f"{_fmt(number * _KG_PER_LB)} kg"
    return f"{_fmt(number)} lb"


def volume(gallons: str, units: Units) -> str:
    """A volume given in US gallons, shown in the chosen units."""
    number = parse_number(gallons)
    if number is None:
        return gallons
    if units == "metric":
        return f"{_fmt(number * _L_PER_GAL)} L"
    return f"{_fmt(number, 1).removesuffix('.0')} gal"


def money(usd: str) -> str:
    """A US dollar amount such as '$55,500'."""
    number = parse_number(usd)
    if number is None:
        return usd
    return f"${_fmt(number)}"
