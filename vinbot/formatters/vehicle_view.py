"""A decode result turned into labelled rows, shared by the HTML and plain-text renderers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vinbot.formatters import units as u
from vinbot.models.vehicle import Attr
from vinbot.models.wmi import country_for

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from vinbot.models.records import Units
    from vinbot.models.vehicle import DecodeResult, Source
    from vinbot.models.vin import VinAnalysis

type Row = tuple[str, str]

SOURCE_LABELS: dict[Source, str] = {
    "carsxe": "CarsXE",
    "nhtsa": "NHTSA vPIC (US-market data)",
    "offline": "basic offline decode (from the VIN's structure only)",
}

# Keys the summary consumes; the full view lists every other attribute after them.
_SUMMARY_KEYS = frozenset(
    {
        Attr.ENGINE,
        Attr.ENGINE_HP,
        Attr.TRANSMISSION,
        Attr.DRIVETRAIN,
        Attr.BODY,
        Attr.DOORS,
        Attr.FUEL_TYPE,
        Attr.PLANT_CITY,
        Attr.PLANT_STATE,
        Attr.PLANT_COUNTRY,
        Attr.CITY_MPG,
        Attr.HIGHWAY_MPG,
        Attr.MSRP_USD,
        Attr.MANUFACTURER,
    }
)

_CONVERTERS: dict[str, Callable[[str, Units], str]] = {
    Attr.CURB_WEIGHT_LB: u.weight,
    Attr.LENGTH_IN: u.length,
    Attr.WIDTH_IN: u.length,
    Attr.HEIGHT_IN: u.length,
    Attr.WHEELBASE_IN: u.length,
    Attr.FUEL_CAPACITY_GAL: u.volume,
}

_LABEL_OVERRIDES = {
    Attr.ENGINE_DISPLACEMENT_L: "Displacement (L)",
    Attr.ENGINE_HP: "Horsepower",
    Attr.CURB_WEIGHT_LB: "Curb weight",
    Attr.FUEL_CAPACITY_GAL: "Fuel capacity",
    Attr.LENGTH_IN: "Length",
    Attr.WIDTH_IN: "Width",
    Attr.HEIGHT_IN: "Height",
    Attr.WHEELBASE_IN: "Wheelbase",
    Attr.GVWR: "GVWR",
    Attr.MSRP_USD: "MSRP",
    Attr.CITY_MPG: "City economy",
    Attr.HIGHWAY_MPG: "Highway economy",
    "abs": "ABS",
    "vid": "Vehicle id",
}


def label_for(key: str) -> str:
    """A readable label for a snake_case attribute key."""
    if key in _LABEL_OVERRIDES:
        return _LABEL_OVERRIDES[key]
    for suffix in ("_usd", "_in", "_lb", "_gal", "_mpg", "_l"):
        if key.endswith(suffix):
            key = key.removesuffix(suffix)
            break
    return key.replace("_", " ").strip().capitalize() or "Value"


@dataclass(frozen=True, slots=True)
class DecodeView:
    """What to show for one decode, before any markup."""

    title: str
    vin: str
    rows: tuple[Row, ...]
    details: tuple[Row, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    source: str
    cached: bool


def _title(result: DecodeResult) -> str:
    spec = result.spec
    year = result.model_year
    if spec.make or spec.model:
        words = [str(year) if year else "", spec.make or "", spec.model or "", spec.trim or ""]
        return " ".join(w for w in words if w)
    provider_maker = spec.attributes.get(Attr.MANUFACTURER) if spec.source != "offline" else None
    maker = provider_maker or maker_phrase(result.analysis)
    if maker:
        return f"{year} {maker}" if year else maker
    if year:
        return f"{year} vehicle"
    candidates = result.analysis.model_year_candidates
    if candidates and result.analysis.model_year_basis != "unconfirmed":
        return "Vehicle, model year " + " or ".join(str(y) for y in candidates)
    return "Unidentified vehicle"


# How each documented maker scheme (models/year_schemes.py) is told to the user.
_SCHEME_WORDS: dict[str, str] = {
    "ford_australia": "Ford Australia writes the year of build at position 11",
    "ford_europe": "Ford of Europe VINs carry no year at position 10",
    "mercedes_rest_of_world": "Mercedes-Benz VINs in the rest-of-world layout carry no model year",
    "volkswagen_group": "Volkswagen and Audi write the model year at position 10 in every market",
}
_UNCONFIRMED_YEAR = (
    "if position 10 is the model year (only VINs for North America must carry it there)"
)


def _offline_year(analysis: VinAnalysis) -> str | None:
    """What the VIN alone says about the model year, with how sure it is, or None for nothing."""
    years = " or ".join(str(y) for y in analysis.model_year_candidates)
    scheme = _SCHEME_WORDS.get(analysis.model_year_scheme or "")
    match analysis.model_year_basis:
        case "unconfirmed" if years:
            return f"{years}, {_UNCONFIRMED_YEAR}"
        case "not_in_vin":
            return f"not in the VIN ({scheme})" if scheme else "not in the VIN"
        case "maker_scheme" if years:
            return f"{years} ({scheme})" if scheme else years
        case "north_american" if analysis.model_year is None and years:
            return years
        case _:
            return None


def either(words: tuple[str, ...]) -> str:
    """Words joined as alternatives: "A", "A or B", "A, B or C"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def maker_phrase(analysis: VinAnalysis) -> str | None:
    """Who made the vehicle as far as the WMI alone says: never one make when several are possible.

    "Nissan or Infiniti (Nissan North America, Inc.)" for a shared WMI, "Honda (American Honda
    Motor Co., Inc.)" for a single make, the manufacturer alone when no make is listed.
    """
    holder = analysis.manufacturer
    if not analysis.makes:
        return holder
    makes = either(analysis.makes)
    return f"{makes} ({holder})" if holder and holder != makes else makes


def wmi_phrase(analysis: VinAnalysis, *, with_holder: bool = True) -> str | None:
    """Where the WMI is registered, and to whom: "registered to Tesla, Inc. in Germany".

    This is the maker's identifier, not the plant: a provider's plant is shown as "Built in".
    The region is added only when the country is the one the ISO 3780 range names.
    """
    wmi = analysis.wmi or ""
    where = analysis.country
    if where and where == country_for(wmi):
        where = _joined(where, analysis.region)
    elif not where:
        where = analysis.region
    if not where:
        return None
    holder = analysis.manufacturer if with_holder else None
    return f"registered to {holder} in {where}" if holder else f"registered in {where}"


def _joined(*parts: str | None, sep: str = ", ") -> str | None:
    present = [p for p in parts if p]
    return sep.join(present) if present else None


def _summary_rows(result: DecodeResult, units: Units) -> list[Row]:
    a = result.spec.attributes
    engine = a.get(Attr.ENGINE)
    hp = a.get(Attr.ENGINE_HP)
    if hp:
        engine = f"{engine}, {hp} hp" if engine else f"{hp} hp"
    body = a.get(Attr.BODY)
    doors = a.get(Attr.DOORS)
    if doors and body:
        body = f"{body}, {doors} doors"
    built = _joined(a.get(Attr.PLANT_CITY), a.get(Attr.PLANT_STATE), a.get(Attr.PLANT_COUNTRY))
    msrp = a.get(Attr.MSRP_USD)
    candidates: list[tuple[str, str | None]] = [
        ("Engine", engine),
        ("Transmission", a.get(Attr.TRANSMISSION)),
        ("Drivetrain", a.get(Attr.DRIVETRAIN)),
        ("Body", body or (f"{doors} doors" if doors else None)),
        ("Fuel", a.get(Attr.FUEL_TYPE)),
        ("Built in", built),
        ("Economy", u.economy(a.get(Attr.CITY_MPG), a.get(Attr.HIGHWAY_MPG), units)),
        ("MSRP", u.money(msrp) if msrp else None),
        ("Manufacturer", a.get(Attr.MANUFACTURER) or result.analysis.manufacturer),
    ]
    if result.spec.source == "offline":
        analysis = result.analysis
        if len(analysis.makes) > 1:
            candidates.append(("Possible makes", either(analysis.makes)))
        candidates.append(("WMI", wmi_phrase(analysis, with_holder=False)))
        candidates.append(("Model year", _offline_year(analysis)))
    return [(label, value) for label, value in candidates if value]


def _detail_rows(result: DecodeResult, units: Units) -> list[Row]:
    rows: list[Row] = []
    for key in sorted(result.spec.attributes):
        if key in _SUMMARY_KEYS:
            continue
        value = result.spec.attributes[key]
        if not value:
            continue
        convert = _CONVERTERS.get(key)
        rows.append((label_for(key), convert(value, units) if convert else value))
    analysis = result.analysis
    wmi = wmi_phrase(analysis)
    if result.spec.source != "offline" and wmi:
        rows.append(("WMI", wmi))
    if analysis.check_digit_valid is not None:
        rows.append(("Check digit", "valid" if analysis.check_digit_valid else "does not match"))
    return rows


def build_view(result: DecodeResult, *, units: Units = "imperial") -> DecodeView:
    """The rows to show for a decode, in display order."""
    warnings = tuple(dict.fromkeys((*result.analysis.warnings, *result.spec.warnings)))
    return DecodeView(
        title=_title(result),
        vin=result.analysis.vin,
        rows=tuple(_summary_rows(result, units)),
        details=tuple(_detail_rows(result, units)),
        warnings=warnings,
        notes=result.notes,
        source=SOURCE_LABELS[result.spec.source],
        cached=result.cached,
    )


def attributes_for_json(attributes: Mapping[str, str]) -> dict[str, str]:
    """Attributes by their stable snake_case names, for the CLI's JSON output."""
    return {k: v for k, v in sorted(attributes.items()) if v}
