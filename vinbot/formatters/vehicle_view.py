"""A decode result turned into labelled rows, shared by the HTML and plain-text renderers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vinbot.formatters import units as u
from vinbot.formatters.vin_words import decode_note, either, source_label, spec_warning, vin_problem
from vinbot.models.vehicle import Attr
from vinbot.models.wmi import country_for

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from vinbot.i18n import Words
    from vinbot.models.records import Units
    from vinbot.models.vehicle import DecodeResult
    from vinbot.models.vin import VinAnalysis

type Row = tuple[str, str]

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

_CONVERTERS: dict[str, Callable[[Words, str, Units], str]] = {
    Attr.CURB_WEIGHT_LB: u.weight,
    Attr.LENGTH_IN: u.length,
    Attr.WIDTH_IN: u.length,
    Attr.HEIGHT_IN: u.length,
    Attr.WHEELBASE_IN: u.length,
    Attr.FUEL_CAPACITY_GAL: u.volume,
}


def _field_labels(words: Words) -> dict[str, str]:
    """Our labels for the attributes we know; any other provider key is labelled from its name."""
    return {
        Attr.ENGINE_DISPLACEMENT_L: words.pt("field", "Displacement (L)"),
        Attr.ENGINE_CYLINDERS: words.pt("field", "Engine cylinders"),
        Attr.ENGINE_HP: words.pt("field", "Horsepower"),
        Attr.VEHICLE_TYPE: words.pt("field", "Vehicle type"),
        Attr.SEATING: words.pt("field", "Seating"),
        Attr.CURB_WEIGHT_LB: words.pt("field", "Curb weight"),
        Attr.FUEL_CAPACITY_GAL: words.pt("field", "Fuel capacity"),
        Attr.LENGTH_IN: words.pt("field", "Length"),
        Attr.WIDTH_IN: words.pt("field", "Width"),
        Attr.HEIGHT_IN: words.pt("field", "Height"),
        Attr.WHEELBASE_IN: words.pt("field", "Wheelbase"),
        # Translators: Gross Vehicle Weight Rating, the US abbreviation.
        Attr.GVWR: words.pt("field", "GVWR"),
        # Translators: the manufacturer's suggested retail price (US).
        Attr.MSRP_USD: words.pt("field", "MSRP"),
        Attr.CITY_MPG: words.pt("field", "City economy"),
        Attr.HIGHWAY_MPG: words.pt("field", "Highway economy"),
        "invoice_usd": words.pt("field", "Invoice"),
        "delivery_charges_usd": words.pt("field", "Delivery charges"),
        "abs": words.pt("field", "ABS"),
        "vid": words.pt("field", "Vehicle id"),
    }


def label_for(words: Words, key: str, labels: Mapping[str, str] | None = None) -> str:
    """A readable label for a snake_case attribute key (ours translated, a provider's own key
    shown from its name)."""
    known = _field_labels(words) if labels is None else labels
    if key in known:
        return known[key]
    for suffix in ("_usd", "_in", "_lb", "_gal", "_mpg", "_l"):
        if key.endswith(suffix):
            key = key.removesuffix(suffix)
            break
    return key.replace("_", " ").strip().capitalize() or words.pt("field", "Value")


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


def _title(words: Words, result: DecodeResult) -> str:
    spec = result.spec
    year = str(result.model_year) if result.model_year else ""
    if spec.make or spec.model:
        parts = [year, spec.make or "", spec.model or "", spec.trim or ""]
        return " ".join(w for w in parts if w)
    provider_maker = spec.attributes.get(Attr.MANUFACTURER) if spec.source != "offline" else None
    maker = provider_maker or maker_phrase(words, result.analysis)
    if maker:
        # Translators: a model year and who made the vehicle, e.g. "2003 Honda".
        return words.t("{year} {maker}", year=year, maker=maker) if year else maker
    if year:
        # Translators: the title of a decode that knows only the model year.
        return words.t("{year} vehicle", year=year)
    candidates = result.analysis.model_year_candidates
    if candidates and result.analysis.model_year_basis != "unconfirmed":
        return words.t(
            "Vehicle, model year {years}", years=either(words, [str(y) for y in candidates])
        )
    return words.t("Unidentified vehicle")


def _scheme_words(words: Words, scheme: str | None) -> str | None:
    """How each documented maker scheme (models/year_schemes.py) is told to the user."""
    match scheme:
        case "ford_australia":
            return words.t("Ford Australia writes the year of build at position 11")
        case "ford_europe":
            return words.t("Ford of Europe VINs carry no year at position 10")
        case "mercedes_rest_of_world":
            return words.t("Mercedes-Benz VINs in the rest-of-world layout carry no model year")
        case "volkswagen_group":
            return words.t(
                "Volkswagen and Audi write the model year at position 10 in every market"
            )
        case _:
            return None


def _offline_year(words: Words, analysis: VinAnalysis) -> str | None:  # noqa: PLR0911 - per basis
    """What the VIN alone says about the model year, with how sure it is, or None for nothing."""
    years = either(words, [str(y) for y in analysis.model_year_candidates])
    scheme = _scheme_words(words, analysis.model_year_scheme)
    match analysis.model_year_basis:
        case "unconfirmed" if years:
            # Translators: {years} is one or two model years, e.g. "1985 or 2015".
            return words.t(
                "{years}, if position 10 is the model year (only VINs for North America must "
                "carry it there)",
                years=years,
            )
        case "not_in_vin" if scheme:
            # Translators: the model year row; {scheme} says which maker's rule that is.
            return words.t("not in the VIN ({scheme})", scheme=scheme)
        case "not_in_vin":
            return words.t("not in the VIN")
        case "maker_scheme" if years and scheme:
            return words.t("{years} ({scheme})", years=years, scheme=scheme)
        case "maker_scheme" if years:
            return years
        case "north_american" if analysis.model_year is None and years:
            return years
        case _:
            return None


def maker_phrase(words: Words, analysis: VinAnalysis) -> str | None:
    """Who made the vehicle as far as the WMI alone says: never one make when several are possible.

    "Nissan or Infiniti (Nissan North America, Inc.)" for a shared WMI, "Honda (American Honda
    Motor Co., Inc.)" for a single make, the manufacturer alone when no make is listed.
    """
    holder = analysis.manufacturer
    if not analysis.makes:
        return holder
    makes = either(words, analysis.makes)
    if holder and holder != makes:
        # Translators: the makes a VIN's maker code allows, and the company holding the code.
        return words.t("{makes} ({holder})", makes=makes, holder=holder)
    return makes


def wmi_phrase(words: Words, analysis: VinAnalysis, *, with_holder: bool = True) -> str | None:
    """Where the WMI is registered, and to whom: "registered to Tesla, Inc. in Germany".

    This is the maker's identifier, not the plant: a provider's plant is shown as "Built in".
    The region is added only when the country is the one the ISO 3780 range names.
    """
    wmi = analysis.wmi or ""
    country = words.place(analysis.country) if analysis.country else None
    region = words.place(analysis.region) if analysis.region else None
    where = country
    if country and analysis.country == country_for(wmi):
        where = _joined(country, region, sep=words.comma)
    elif not where:
        where = region
    if not where:
        return None
    holder = analysis.manufacturer if with_holder else None
    if holder:
        # Translators: the WMI (maker code) row: {holder} a company, {where} a country or region.
        return words.t("registered to {holder} in {where}", holder=holder, where=where)
    return words.t("registered in {where}", where=where)


def _joined(*parts: str | None, sep: str = ", ") -> str | None:
    present = [p for p in parts if p]
    return sep.join(present) if present else None


def _summary_rows(words: Words, result: DecodeResult, units: Units) -> list[Row]:
    a = result.spec.attributes
    engine = a.get(Attr.ENGINE)
    hp = a.get(Attr.ENGINE_HP)
    if hp:
        # Translators: an engine with its horsepower, e.g. "3.0L V6, 240 hp".
        engine = words.t("{engine}, {hp} hp", engine=engine, hp=hp) if engine else None
        engine = engine or words.t("{hp} hp", hp=hp)
    body = a.get(Attr.BODY)
    doors_text = a.get(Attr.DOORS)
    doors_count = u.parse_number(doors_text) if doors_text else None
    doors = None
    if doors_text:
        count = int(doors_count) if doors_count is not None and doors_count.is_integer() else None
        doors = (
            words.nt("{count} door", "{count} doors", count)
            if count is not None
            else words.t("{doors} doors", doors=doors_text)
        )
    if doors and body:
        # Translators: a body style and its doors, e.g. "Sedan, 4 doors".
        body = words.t("{body}, {doors}", body=body, doors=doors)
    built = _joined(a.get(Attr.PLANT_CITY), a.get(Attr.PLANT_STATE), a.get(Attr.PLANT_COUNTRY))
    msrp = a.get(Attr.MSRP_USD)
    candidates: list[tuple[str, str | None]] = [
        (words.pt("field", "Engine"), engine),
        (words.pt("field", "Transmission"), a.get(Attr.TRANSMISSION)),
        (words.pt("field", "Drivetrain"), a.get(Attr.DRIVETRAIN)),
        (words.pt("field", "Body"), body or doors),
        (words.pt("field", "Fuel"), a.get(Attr.FUEL_TYPE)),
        # Translators: where the vehicle was assembled (a city, state and country follow).
        (words.pt("field", "Built in"), built),
        (
            words.pt("field", "Economy"),
            u.economy(words, a.get(Attr.CITY_MPG), a.get(Attr.HIGHWAY_MPG), units),
        ),
        (words.pt("field", "MSRP"), u.money(words, msrp) if msrp else None),
        (
            words.pt("field", "Manufacturer"),
            a.get(Attr.MANUFACTURER) or result.analysis.manufacturer,
        ),
    ]
    if result.spec.source == "offline":
        analysis = result.analysis
        if len(analysis.makes) > 1:
            candidates.append((words.pt("field", "Possible makes"), either(words, analysis.makes)))
        # Translators: World Manufacturer Identifier, the first three VIN characters.
        candidates.append(
            (words.pt("field", "WMI"), wmi_phrase(words, analysis, with_holder=False))
        )
        candidates.append((words.pt("field", "Model year"), _offline_year(words, analysis)))
    return [(label, value) for label, value in candidates if value]


def _detail_rows(words: Words, result: DecodeResult, units: Units) -> list[Row]:
    rows: list[Row] = []
    labels = _field_labels(words)
    for key in sorted(result.spec.attributes):
        if key in _SUMMARY_KEYS:
            continue
        value = result.spec.attributes[key]
        if not value:
            continue
        convert = _CONVERTERS.get(key)
        if convert is not None:
            value = convert(words, value, units)
        elif key.endswith("_usd"):
            value = u.money(words, value)
        rows.append((label_for(words, key, labels), value))
    analysis = result.analysis
    wmi = wmi_phrase(words, analysis)
    if result.spec.source != "offline" and wmi:
        rows.append((words.pt("field", "WMI"), wmi))
    if analysis.check_digit_valid is not None:
        check = (
            # Translators: the check digit row of a decode.
            words.t("valid") if analysis.check_digit_valid else words.t("does not match")
        )
        rows.append((words.pt("field", "Check digit"), check))
    return rows


def build_view(words: Words, result: DecodeResult, *, units: Units = "imperial") -> DecodeView:
    """The rows to show for a decode, in display order, in the reader's words."""
    warnings = (
        *(vin_problem(words, w) for w in result.analysis.warnings),
        *(spec_warning(words, w) for w in result.spec.warnings),
    )
    return DecodeView(
        title=_title(words, result),
        vin=result.analysis.vin,
        rows=tuple(_summary_rows(words, result, units)),
        details=tuple(_detail_rows(words, result, units)),
        warnings=tuple(dict.fromkeys(warnings)),
        notes=tuple(decode_note(words, n) for n in result.notes),
        source=source_label(words, result.spec.source),
        cached=result.cached,
    )


def attributes_for_json(attributes: Mapping[str, str]) -> dict[str, str]:
    """Attributes by their stable snake_case names, for the CLI's JSON output."""
    return {k: v for k, v in sorted(attributes.items()) if v}
