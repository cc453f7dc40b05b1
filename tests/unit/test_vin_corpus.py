"""Real VINs from public sources, decoded offline: agreement per field, never a confident wrong one.

Each corpus entry (tests/fixtures/vin_corpus/) holds a VIN, where it comes from and the values that
source states. The offline decode (`analyse` and the offline provider) is compared field by field:

- right: it states the value the source states;
- hedged: it states nothing, or only candidates / a manufacturer without a brand;
- wrong: it states one value (a single year, a country, a single brand) that the source contradicts.

Any wrong answer fails the test: a hedge or "unknown" is allowed, a confident wrong value is not.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal

from vinbot.clients.offline import OfflineProvider
from vinbot.models.errors import InvalidVin
from vinbot.models.vin import analyse

CORPUS: Final = Path(__file__).resolve().parents[1] / "fixtures" / "vin_corpus" / "vin_corpus.json"
TODAY: Final = date(2026, 6, 1)
FIELDS: Final = ("year", "country", "brand", "region")
MINIMUM_CORPUS: Final = 200  # the bar

type Verdict = Literal["right", "hedged", "wrong", "unstated"]

_COUNTRY_ALIASES: Final = {
    "USA": "UNITED STATES",
    "US": "UNITED STATES",
    "UK": "UNITED KINGDOM",
    "KOREA (SOUTH)": "SOUTH KOREA",
    "KOREA": "SOUTH KOREA",
    "GERMANY/WEST GERMANY": "GERMANY",
}
_REGION_OF_COUNTRY: Final = {
    "UNITED STATES": "North America",
    "CANADA": "North America",
    "MEXICO": "North America",
    "GERMANY": "Europe",
    "UNITED KINGDOM": "Europe",
    "FRANCE": "Europe",
    "SWEDEN": "Europe",
    "HUNGARY": "Europe",
    "ITALY": "Europe",
    "RUSSIA": "Europe",
    "JAPAN": "Asia",
    "SOUTH KOREA": "Asia",
    "CHINA": "Asia",
    "INDIA": "Asia",
    "AUSTRALIA": "Oceania",
    "BRAZIL": "South America",
    "SOUTH AFRICA": "Africa",
}
# Brand names as sources spell them, reduced to one spelling.
_BRAND_ALIASES: Final = {"MERCEDES": "MERCEDESBENZ", "VW": "VOLKSWAGEN", "CHEVY": "CHEVROLET"}


@dataclass(frozen=True, slots=True)
class Row:
    """One corpus VIN: what its source states and what the offline decode says, per field."""

    vin: str
    region: str  # the corpus bucket: ISO 3780 region of the VIN's first character
    verdicts: dict[str, Verdict]
    said: dict[str, str]  # vinbot's answer per field, for the report
    year_in_candidates: bool  # a hedged year whose candidates hold the stated one
    rejected: bool  # analyse refused the VIN, so the offline provider answered nothing


def _brand_key(name: str) -> str:
    key = re.sub(r"[^A-Z0-9]", "", name.upper())
    return _BRAND_ALIASES.get(key, key)


def _country_key(name: str) -> str:
    key = name.upper().strip()
    key = re.sub(r"\s*\(.*\)$", "", key) if key not in _COUNTRY_ALIASES else key
    return _COUNTRY_ALIASES.get(key, key)


def _year(stated: dict[str, Any], year: int | None) -> Verdict:
    if "model_year" not in stated:
        return "unstated"
    if year is None:
        return "hedged"
    return "right" if year == stated["model_year"] else "wrong"


def _country(stated: dict[str, Any], country: str | None) -> Verdict:
    if "country" not in stated:
        return "unstated"
    if country is None:
        return "hedged"
    return "right" if _country_key(country) == _country_key(stated["country"]) else "wrong"


def _brand(stated: dict[str, Any], make: str | None, manufacturer: str | None) -> Verdict:
    names = [_brand_key(stated[key]) for key in ("make", "manufacturer") if key in stated]
    if not names:
        return "unstated"
    ours = _brand_key(manufacturer or "")
    if make is None:
        # Only a manufacturer, or nothing: a hedge, and right when it contains the stated brand.
        return "right" if ours and any(name in ours for name in names) else "hedged"
    brand = _brand_key(make)
    agrees = any(brand in name or name in brand or name in ours for name in names)
    return "right" if agrees else "wrong"


def _region(stated: dict[str, Any], region: str | None) -> Verdict:
    expected = stated.get("region") or _REGION_OF_COUNTRY.get(
        _country_key(stated.get("country", ""))
    )
    if expected is None:
        return "unstated"
    if region is None:
        return "hedged"
    return "right" if region == expected else "wrong"


async def _decode(entry: dict[str, Any]) -> Row:
    vin, stated = entry["vin"], entry["stated"]
    analysis = analyse(vin, today=TODAY)
    rejected = False
    try:
        spec = await OfflineProvider(today=lambda: TODAY).decode(vin)
        year, make = spec.year, spec.make
    except InvalidVin:
        year, make, rejected = None, None, True  # no answer is given, so nothing is claimed
    verdicts: dict[str, Verdict] = {
        "year": _year(stated, year),
        "country": _country(stated, analysis.country),
        "brand": _brand(stated, make, analysis.manufacturer),
        "region": _region(stated, analysis.region),
    }
    candidates = " or ".join(map(str, analysis.model_year_candidates))
    said = {
        "year": str(year) if year else f"({candidates or '-'}, {analysis.model_year_basis})",
        "country": str(analysis.country),
        "brand": f"{make} / {analysis.manufacturer}",
        "region": str(analysis.region),
    }
    within = verdicts["year"] == "hedged" and stated.get("model_year") in (
        analysis.model_year_candidates
    )
    return Row(vin, analysis.region or "unknown", verdicts, said, within, rejected)


def _load() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(CORPUS.read_text(encoding="utf-8"))
    return entries


def _table(rows: list[Row]) -> str:
    lines = [f"{'field':<8} {'right':>6} {'hedged':>7} {'wrong':>6} {'unstated':>9}"]
    for field in FIELDS:
        counts = Counter(row.verdicts[field] for row in rows)
        lines.append(
            f"{field:<8} {counts['right']:>6} {counts['hedged']:>7} {counts['wrong']:>6} "
            f"{counts['unstated']:>9}"
        )
    within = sum(row.year_in_candidates for row in rows)
    lines.append(f"year hedges whose candidates include the stated year: {within}")
    rejected = [row.vin for row in rows if row.rejected]
    lines.append(f"rejected as mistyped (no decode given): {len(rejected)} {rejected}")
    regions = Counter(row.region for row in rows)
    lines.append("VINs per region: " + ", ".join(f"{r} {n}" for r, n in regions.most_common()))
    return "\n".join(lines)


def test_corpus_entries_are_cited_real_vins() -> None:
    """Every entry is a distinct 17-character VIN with a cited source and a stated value."""
    entries = _load()
    vins = [entry["vin"] for entry in entries]
    assert len(vins) == len(set(vins))
    assert len(vins) >= MINIMUM_CORPUS
    for entry in entries:
        assert re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", entry["vin"]), entry["vin"]
        source = entry["source"]
        assert source.get("url") or {"repository", "path", "commit"} <= set(source), entry["vin"]
        assert source["says"], entry["vin"]
        assert set(entry["stated"]) - {"country_of"}, entry["vin"]


async def test_offline_decode_gives_no_confident_wrong_answer() -> None:
    """Across the corpus the offline decode is right or hedges; it never states a wrong value."""
    rows = [await _decode(entry) for entry in _load()]
    table = _table(rows)
    print(f"\nOffline decode against {len(rows)} corpus VINs\n{table}")  # noqa: T201 - the report
    wrong = {
        (row.vin, field): row.said[field]
        for row in rows
        for field in FIELDS
        if row.verdicts[field] == "wrong"
    }
    assert not wrong, f"confident wrong answers:\n{_describe(wrong)}\n{table}"


def _describe(wrong: dict[tuple[str, str], str]) -> str:
    stated = {entry["vin"]: entry["stated"] for entry in _load()}
    return "\n".join(
        f"  {vin} {field}: vinbot says {said}; source states {stated[vin]}"
        for (vin, field), said in sorted(wrong.items())
    )
