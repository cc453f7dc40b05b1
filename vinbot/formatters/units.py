"""Unit conversion for display: provider numbers are imperial; people may prefer metric."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vinbot.i18n import Words
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


def _rounded(words: Words, value: float) -> str:
    """A number to one decimal place, without a trailing ".0": "12.5", "180"."""
    tenths = round(value, 1)
    return words.number(tenths, 1 if not tenths.is_integer() else 0)


def economy(words: Words, city: str | None, highway: str | None, units: Units) -> str | None:
    """'18 city / 27 hwy mpg' or '13.1 city / 8.7 hwy L/100 km'; None when neither is known."""
    parts: list[str] = []
    for road, raw in (("city", city), ("hwy", highway)):
        number = parse_number(raw) if raw else None
        if number is None or number <= 0:
            continue
        shown = (
            words.number(_L_PER_100KM_FROM_MPG / number, 1)
            if units == "metric"
            else words.number(number, 0)
        )
        # Translators: fuel economy in town and on the highway ("hwy"), e.g. "18 city".
        parts.append(
            words.t("{value} city", value=shown)
            if road == "city"
            else words.t("{value} hwy", value=shown)
        )
    if not parts:
        return None
    values = " / ".join(parts)
    if units == "metric":
        # Translators: {values} is "13.1 city / 8.7 hwy"; litres per 100 kilometres.
        return words.t("{values} L/100 km", values=values)
    # Translators: {values} is "18 city / 27 hwy"; miles per US gallon.
    return words.t("{values} mpg", values=values)


def length(words: Words, inches: str, units: Units) -> str:
    """A length given in inches, shown in the chosen units."""
    number = parse_number(inches)
    if number is None:
        return inches
    if units == "metric":
        # Translators: a length in centimetres.
        return words.t("{value} cm", value=words.number(number * _CM_PER_IN, 0))
    # Translators: a length in inches.
    return words.t("{value} in", value=_rounded(words, number))


def weight(words: Words, pounds: str, units: Units) -> str:
    """A weight given in pounds, shown in the chosen units."""
    number = parse_number(pounds)
    if number is None:
        return pounds
    if units == "metric":
        # Translators: a weight in kilograms.
        return words.t("{value} kg", value=words.number(number * _KG_PER_LB, 0))
    # Translators: a weight in pounds.
    return words.t("{value} lb", value=words.number(number, 0))


def volume(words: Words, gallons: str, units: Units) -> str:
    """A volume given in US gallons, shown in the chosen units."""
    number = parse_number(gallons)
    if number is None:
        return gallons
    if units == "metric":
        # Translators: a volume in litres.
        return words.t("{value} L", value=words.number(number * _L_PER_GAL, 0))
    # Translators: a volume in US gallons.
    return words.t("{value} gal", value=_rounded(words, number))


def money(words: Words, usd: str) -> str:
    """A US dollar amount the reader's way: "$55,500", "55 500 $"."""
    number = parse_number(usd)
    if number is None:
        return usd
    return words.money(number)
