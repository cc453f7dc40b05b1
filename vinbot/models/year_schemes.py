"""Where makers outside North America put the year in their VINs, as public sources document it.

49 CFR 565 makes position 10 the model year only for vehicles built for the US and Canadian markets.
Elsewhere each maker decides, so vinbot states a year from a non-North-American VIN only through a
scheme listed here, each with the public sources that document it. A VIN no scheme covers gets
hedged candidates ("if position 10 is the model year"), never a single year.

A scheme either names the position holding the year (read with the usual year-code alphabet,
`vin.MODEL_YEAR_CODES`) or says the VIN holds no year at all. Only the schemes below could be
confirmed; anything else (Porsche, BMW, Toyota, the French and Italian makers, ...) stays hedged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable

_MODEL_TYPE_POSITIONS: Final = slice(3, 9)  # positions 4-9


@dataclass(frozen=True, slots=True)
class YearScheme:
    """One maker's documented way of writing (or not writing) the year into its VINs."""

    key: str  # stable identifier; the formatters turn it into words
    wmis: frozenset[str]
    year_index: int | None  # 0-based position of the year code, None when the VIN holds no year
    sources: tuple[str, ...]  # public documents stating the scheme
    applies: Callable[[str], bool] = lambda _vin: True  # further conditions on the whole VIN
    first_year: int | None = None  # years the sources show the scheme in use, when bounded
    last_year: int | None = None


def _mercedes_rest_of_world(vin: str) -> bool:
    # The rest-of-world layout carries the six-digit model type (e.g. 212022) in positions 4-9;
    # US-market VINs of the same WMIs carry letters there and a year code in position 10.
    return vin[_MODEL_TYPE_POSITIONS].isdigit()


YEAR_SCHEMES: Final[tuple[YearScheme, ...]] = (
    # Ford Australia: 6FP AAA, product source (J), plant (G), body code (positions 9-10), year of
    # build (position 11, 1998 = W, 2001 = 1), month (position 12), five-digit serial. In 1981
    # Ford Australia still stamped 12-character numbers (classic-ford.org), and its local
    # production ended in October 2016 (just-auto.com), so 6FP years lie within 1982-2016.
    YearScheme(
        key="ford_australia",
        wmis=frozenset({"6FP"}),
        year_index=10,
        first_year=1982,
        last_year=2016,
        sources=(
            "https://digi-ron.github.io/AU-Falcon-SPUD-Project/Miscellaneous/VIN/VIN.html",
            "https://github.com/idlesign/vininfo/blob/c96b3c7b0713f97ef204c35da52468bdd004bc94/tests/test_ford_australia.py",
            (
                "Australian Ford Forums, 'VIN Numbers - what do they mean' (23-04-2005): "
                "6FPAAAJGSWWB71213, W = year of production"
            ),
            "http://www.classic-ford.org/cfp/m/tm.aspx?m=48858",
            "https://www.just-auto.com/news/ford-ends-australia-vehicle-production/",
        ),
    ),
    # Ford of Europe: body type (positions 4 and 10), XX, country, plant, model (9), year of
    # assembly (11), month (12). Position 10 is not a year; the sources disagree on the letters
    # of the year code at position 11 (whether U is used), so no year is read from it.
    YearScheme(
        key="ford_europe",
        wmis=frozenset({"WF0", "SFA", "VS6", "TW2"}),
        year_index=None,
        sources=(
            "https://www.fordownersclub.com/forums/topic/161506-vin-number-format/",
            "https://fordbook.ru/rs/focus/1/main/vin/vehicle-identification-number",
            "https://www.fordwiki.co.uk/index.php/Build_Date_Codes",
        ),
    ),
    # Mercedes-Benz rest of world: model type (positions 4-9), steering (10: 1 left-hand drive,
    # 2 right-hand drive), plant (11), serial (12-17). No year anywhere in the VIN. The US layout
    # (letters from position 4, year at 10) serves the USA, Canada, Mexico, Brazil, Korea and a few
    # other markets (cariffy.com), and is left to the other rules.
    YearScheme(
        key="mercedes_rest_of_world",
        wmis=frozenset({"WDB", "WDC", "WDD", "WDF", "W1K", "W1N", "W1V"}),
        year_index=None,
        sources=(
            "https://mercedesman.ru/ua/S-Class/W140/main/control/identifikacionnye-nomera-avtomobilya",
            "http://w-163.ru/1-2-identifikacionnye-nomera-avtomobilja.html",
            "https://cariffy.com/usa-mercedes-benz-vin-number-decoder/",
        ),
        applies=_mercedes_rest_of_world,
    ),
    # Volkswagen group (VW, Audi) outside North America: ZZZ fillers in positions 4-6, type
    # (7-8), filler (9), model year (10, A = 1980 ... Y = 2000, 1 = 2001), plant (11), serial.
    YearScheme(
        key="volkswagen_group",
        wmis=frozenset({"WVW", "WVG", "WV1", "WV2", "WV3", "WAU", "WUA", "TRU"}),
        year_index=9,
        sources=(
            "http://vr6-info.de/viewtopic.php?f=12&t=4758",
            "http://museum.cabby-info.com/vin.htm",
        ),
    ),
)


def scheme_for(vin: str) -> YearScheme | None:
    """The documented year scheme a normalised, well-formed VIN follows, or None."""
    wmi = vin[:3]
    return next((s for s in YEAR_SCHEMES if wmi in s.wmis and s.applies(vin)), None)
