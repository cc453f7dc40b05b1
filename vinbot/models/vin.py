"""Pure VIN rules: normalise, validate, check digit, model year, WMI, and finding VINs in text.

Finding VINs in free text (`find_vins`) works on "pieces", maximal runs of letters and digits.
Pieces separated only by one to three spaces or dashes form a group, so a VIN typed as
"1HG-CM826-33A004352" or "1HGCM826 33A004352" is found; any other character (punctuation, emoji,
a line break) ends a group. Within a group, whole consecutive pieces totalling 17 characters are a
VIN when they are VIN-shaped:

- only `0-9` and `A-Z` without I, O and Q (case-insensitive);
- at least one letter, so 17-digit numbers (phones, card and account numbers) never match;
- the last four characters are digits (ISO 3779 makes them numeric), which keeps ordinary words,
  hashes and random tokens out.

A VIN split over several pieces must also either pass the check digit or have every all-letter
piece written in capitals, so words of a lower-case sentence never join into a VIN. A piece
holding a non-ASCII letter or digit is never part of a VIN, but the letters of scripts written
without spaces (Chinese, Japanese, Korean, Thai) end a piece, so "車台番号は1HGCM…です" holds a
VIN as "VIN: 1HGCM…" does. The full-width forms an East Asian input method types (U+FF01..U+FF5E,
and U+3000 as a space) are not "non-ASCII" here: everything reads them as their ASCII letters,
digits and punctuation first (`ascii_forms`), so the VIN found is plain ASCII. Position 10 is not
checked: European VINs need not carry a model year there (Fiat's have `0`). The check digit is
not required of a single-piece VIN: `analyse` decides validity.

`find_vin_attempts` reports what looks like a mistyped VIN: runs of pieces that each hold a digit
(outside links and e-mail addresses), 11 to 20 characters long, with at least two letters, four
digits and three switches between letters and digits, so words, numbers, dates, product codes and
"word+year" names stay out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

from vinbot.models.wmi import assignment_for, country_of, is_north_american, region_for
from vinbot.models.year_schemes import scheme_for

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

VIN_LENGTH: Final = 17
VIN_ALPHABET: Final = frozenset("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
CONFUSABLE_LETTERS: Final = frozenset("IOQ")
_CONFUSABLE_CORRECTIONS: Final = str.maketrans("IOQ", "100")
CHECK_DIGIT_INDEX: Final = 8  # position 9
MODEL_YEAR_INDEX: Final = 9  # position 10
YEAR_RULE_INDEX: Final = 6  # position 7
MODEL_YEAR_CODES: Final = "ABCDEFGHJKLMNPRSTVWXY123456789"
FIRST_MODEL_YEAR: Final = 1980
MODEL_YEAR_CYCLE: Final = 30
_NUMERIC_TAIL: Final = 4  # ISO 3779: the last four characters are digits

_TRANSLITERATION: Final = MappingProxyType(
    {
        **{str(digit): digit for digit in range(10)},
        **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
        **dict(zip("JKLMN", range(1, 6), strict=True)),
        "P": 7,
        "R": 9,
        **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
    }
)
_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_CHECK_MODULUS: Final = 11

# One code point for one, so positions in the text stay where they were (NFKC would not keep
# them: it expands ligatures and maps far more than keyboard forms).
_FULL_WIDTH_TO_ASCII: Final = {
    **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)},
    0x3000: ord(" "),  # ideographic space
}
_FULL_WIDTH_FORM: Final = re.compile("[\u3000\uff01-\uff5e]")
_DASHES: Final = "-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d"
_INVISIBLE: Final = "\u200b\u200c\u200d\u2060\ufeff"
_REMOVED_BY_NORMALISE: Final = frozenset(_DASHES + _INVISIBLE)
_JOINERS: Final = frozenset(" \t\u00a0\u2009\u202f" + _DASHES)
_MAX_JOINER_LENGTH: Final = 3
# Letters of scripts written without spaces between words (Thai; Hangul; kana, half-width too;
# Han with its iteration marks and numerals): a VIN glued to them stands apart, as one after a
# space does, where a VIN glued to Latin or Cyrillic letters is part of a word.
_UNSPACED_SCRIPTS: Final = (
    "\u0e00-\u0e7f\u1100-\u11ff\u3005-\u3007\u3021-\u3029\u3031-\u3035\u303b\u303c"
    "\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
    "\uac00-\ud7ff\uf900-\ufaff\uff66-\uffdc\U00020000-\U0002fa1f\U00030000-\U000323af"
)
_PIECE: Final = re.compile(f"[^\\W_{_UNSPACED_SCRIPTS}]+")
_TOKEN: Final = re.compile(r"\S+")

_MAX_LISTED: Final = 5
_ATTEMPT_LENGTHS: Final = range(11, 21)
_ATTEMPT_MIN_LETTERS: Final = 2
_ATTEMPT_MIN_DIGITS: Final = 4
_ATTEMPT_MIN_SWITCHES: Final = 3

# How the model year was read (the formatters word it):
# - "north_american": position 10, which 49 CFR 565 mandates for the US and Canadian markets;
# - "maker_scheme": the position a documented maker scheme names (`year_schemes`);
# - "not_in_vin": a documented maker scheme puts no year into the VIN;
# - "unconfirmed": no rule or documented scheme says position 10 is a year, so the candidates
#   only hold if it is.
type YearBasis = Literal["north_american", "maker_scheme", "not_in_vin", "unconfirmed"]

# What can be wrong with a VIN (the formatters word each one, `formatters/vin_words.py`):
# - "length": not 17 characters (`length` holds how many);
# - "confusable_letters": I, O or Q (`found` lists them with their positions);
# - "foreign_characters": anything else outside the VIN alphabet (`found`);
# - "check_digit": position 9 does not match (`expected`, `actual`), an error for a North
#   American VIN; "check_digit_outside_na": the same, a warning for a VIN from elsewhere (many
#   of those fail the check legitimately);
# - "short_identifier": a warning that shorter serial numbers predate modern VINs;
# - "year_code": position 10 should give the model year but `actual` is no year code;
# - "future_year": positions 7 and 10 give a model `year` that has not begun.
type VinProblemCode = Literal[
    "length",
    "confusable_letters",
    "foreign_characters",
    "check_digit",
    "check_digit_outside_na",
    "short_identifier",
    "year_code",
    "future_year",
]


@dataclass(frozen=True, slots=True)
class Found:
    """One character at its 1-based position in the VIN."""

    char: str
    position: int


@dataclass(frozen=True, slots=True)
class VinProblem:
    """Why a VIN is invalid or doubtful, as a code with its parameters, never a sentence."""

    code: VinProblemCode
    length: int | None = None
    found: tuple[Found, ...] = ()  # the first few offending characters
    more: int = 0  # how many more offending characters there are beyond `found`
    expected: str | None = None
    actual: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class VinAnalysis:
    """Everything the 17 characters say on their own, with no provider asked."""

    vin: str  # normalised (spaces and dashes removed, upper case)
    valid: bool  # safe to send to a provider
    errors: tuple[VinProblem, ...] = ()  # precise reasons it is not valid
    warnings: tuple[VinProblem, ...] = ()  # decodable, but something is off (e.g. check digit)
    check_digit_valid: bool | None = None  # None when the format itself is invalid
    expected_check_digit: str | None = None
    suggestion: str | None = None  # a corrected VIN to offer (I->1, O/Q->0), never applied silently
    model_year: int | None = None  # set only when a rule or documented scheme settles one year
    model_year_candidates: tuple[int, ...] = ()
    model_year_basis: YearBasis | None = None  # None when the format is invalid
    model_year_scheme: str | None = None  # `year_schemes` key for "maker_scheme", "not_in_vin"
    wmi: str | None = None
    region: str | None = None
    country: str | None = None
    manufacturer: str | None = None  # the WMI's holder, from the WMI table, exact matches only
    makes: tuple[str, ...] = ()  # every make the WMI may carry; one only when the WMI settles it


def ascii_forms(text: str) -> str:
    """The text with full-width letters, digits, punctuation and spaces as their ASCII selves."""
    # translate() looks up every character (~0.15 us each); most texts have nothing to map.
    if _FULL_WIDTH_FORM.search(text) is None:
        return text
    return text.translate(_FULL_WIDTH_TO_ASCII)


def normalise(raw: str) -> str:
    """Remove spaces and dashes, read full-width forms as ASCII and upper-case; never maps O to 0
    or I to 1."""
    return "".join(
        char
        for char in ascii_forms(raw).upper()
        if not char.isspace() and char not in _REMOVED_BY_NORMALISE
    )


def is_well_formed(vin: str) -> bool:
    """Whether a normalised VIN has 17 characters, all from the VIN alphabet."""
    return len(vin) == VIN_LENGTH and all(char in VIN_ALPHABET for char in vin)


def check_digit(vin: str) -> str:
    """The check digit (position 9) a well-formed VIN should carry: 0-9, or X for 10."""
    if not is_well_formed(vin):
        raise ValueError("check_digit needs 17 characters from the VIN alphabet")
    total = sum(_TRANSLITERATION[char] * weight for char, weight in zip(vin, _WEIGHTS, strict=True))
    remainder = total % _CHECK_MODULUS
    return "X" if remainder == _CHECK_MODULUS - 1 else str(remainder)


def analyse(raw: str, *, today: date | None = None) -> VinAnalysis:
    """Validate and decode offline everything the VIN itself says; `today` pins the calendar."""
    vin = normalise(raw)
    errors, warnings = _format_problems(vin)
    if errors:
        return VinAnalysis(
            vin=vin,
            valid=False,
            errors=tuple(errors),
            warnings=tuple(warnings),
            suggestion=_suggestion(vin),
        )
    wmi = vin[:3]
    north_american = is_north_american(wmi)
    expected = check_digit(vin)
    found = vin[CHECK_DIGIT_INDEX]
    if found != expected:
        if north_american:
            errors.append(VinProblem("check_digit", expected=expected, actual=found))
        else:
            warnings.append(VinProblem("check_digit_outside_na", expected=expected, actual=found))
    assignment = assignment_for(vin)
    heavy = bool(assignment and assignment.heavy_vehicles_only)
    # A model year may be sold from the calendar year before it, never earlier.
    latest_year = (today or date.today()).year + 1  # noqa: DTZ011
    reading = _model_years(vin, north_american=north_american, heavy=heavy, latest_year=latest_year)
    return VinAnalysis(
        vin=vin,
        valid=not errors,
        errors=tuple(errors),
        warnings=(*warnings, *reading.warnings),
        check_digit_valid=found == expected,
        expected_check_digit=expected,
        model_year=(
            reading.years[0] if len(reading.years) == 1 and reading.basis != "unconfirmed" else None
        ),
        model_year_candidates=reading.years,
        model_year_basis=reading.basis,
        model_year_scheme=reading.scheme,
        wmi=wmi,
        region=region_for(wmi),
        country=country_of(wmi, assignment),
        manufacturer=assignment.manufacturer if assignment else None,
        makes=assignment.makes if assignment else (),
    )


def find_vins(text: str) -> list[str]:
    """Every 17-character VIN-shaped token in free text, normalised, in order, without repeats."""
    found: list[str] = []
    for group in _groups(ascii_forms(text)):
        found.extend(window.vin for window in _vin_windows(group))
    return list(dict.fromkeys(found))


def find_vin_attempts(text: str) -> list[str]:
    """Tokens that look like a mistyped VIN (not VIN-shaped), normalised, in order, no repeats."""
    attempts: list[str] = []
    for group in _groups(_without_links(ascii_forms(text))):
        consumed = {index for window in _vin_windows(group) for index in window.pieces}
        run: list[_Piece] = []
        for index, piece in enumerate(group):
            if index not in consumed and piece.usable and piece.has_digit:
                run.append(piece)
            else:
                attempts.extend(_attempts_in_run(run))
                run = []
        attempts.extend(_attempts_in_run(run))
    return list(dict.fromkeys(attempts))


def _format_problems(vin: str) -> tuple[list[VinProblem], list[VinProblem]]:
    errors: list[VinProblem] = []
    warnings: list[VinProblem] = []
    if len(vin) != VIN_LENGTH:
        errors.append(VinProblem("length", length=len(vin)))
        if 0 < len(vin) < VIN_LENGTH:
            warnings.append(VinProblem("short_identifier"))
    confusable = [(index, char) for index, char in enumerate(vin) if char in CONFUSABLE_LETTERS]
    if confusable:
        errors.append(_found("confusable_letters", confusable))
    foreign = [
        (index, char)
        for index, char in enumerate(vin)
        if char not in VIN_ALPHABET and char not in CONFUSABLE_LETTERS
    ]
    if foreign:
        errors.append(_found("foreign_characters", foreign))
    return errors, warnings


def _suggestion(vin: str) -> str | None:
    corrected = vin.translate(_CONFUSABLE_CORRECTIONS)
    return corrected if corrected != vin and is_well_formed(corrected) else None


def _found(code: VinProblemCode, found: Sequence[tuple[int, str]]) -> VinProblem:
    listed = tuple(Found(char, index + 1) for index, char in found[:_MAX_LISTED])
    return VinProblem(code, found=listed, more=max(0, len(found) - _MAX_LISTED))


@dataclass(frozen=True, slots=True)
class _YearReading:
    """The model years a VIN allows, how they were read, and what to tell the user."""

    basis: YearBasis
    years: tuple[int, ...] = ()
    warnings: tuple[VinProblem, ...] = ()
    scheme: str | None = None


def _model_years(vin: str, *, north_american: bool, heavy: bool, latest_year: int) -> _YearReading:
    if north_american:
        return _north_american_years(vin, settle_by_position_7=not heavy, latest_year=latest_year)
    scheme = scheme_for(vin)
    if scheme is None:
        years = _years_for_code(vin[MODEL_YEAR_INDEX], latest_year)
        return _YearReading(basis="unconfirmed", years=years)
    if scheme.year_index is None:
        return _YearReading(basis="not_in_vin", scheme=scheme.key)
    years = tuple(
        year
        for year in _years_for_code(vin[scheme.year_index], latest_year)
        if (scheme.first_year or year) <= year <= (scheme.last_year or year)
    )
    return _YearReading(basis="maker_scheme", years=years, scheme=scheme.key)


def _years_for_code(code: str, latest_year: int) -> tuple[int, ...]:
    """Both 30-year cycles a year code can stand for, minus those that have not begun."""
    cycle_offset = MODEL_YEAR_CODES.find(code)
    if cycle_offset < 0:
        return ()
    years = (FIRST_MODEL_YEAR + cycle_offset + cycle * MODEL_YEAR_CYCLE for cycle in range(2))
    return tuple(year for year in years if year <= latest_year)


def _north_american_years(
    vin: str, *, settle_by_position_7: bool, latest_year: int
) -> _YearReading:
    code = vin[MODEL_YEAR_INDEX]
    if not settle_by_position_7:
        return _YearReading(basis="north_american", years=_years_for_code(code, latest_year))
    cycle_offset = MODEL_YEAR_CODES.find(code)
    if cycle_offset < 0:
        return _YearReading(
            basis="north_american",
            warnings=(VinProblem("year_code", actual=code),),
        )
    cycle = 0 if vin[YEAR_RULE_INDEX].isdigit() else 1
    year = FIRST_MODEL_YEAR + cycle_offset + cycle * MODEL_YEAR_CYCLE
    if year > latest_year:
        future = VinProblem("future_year", year=year)
        return _YearReading(basis="north_american", warnings=(future,))
    return _YearReading(basis="north_american", years=(year,))


@dataclass(frozen=True, slots=True)
class _Piece:
    """A maximal run of letters and digits in the text, upper-cased."""

    text: str
    written_in_capitals: bool
    usable: bool  # ASCII only: a piece holding other letters or digits is part of a word
    has_digit: bool


@dataclass(frozen=True, slots=True)
class _Window:
    """Consecutive pieces of one group that spell a VIN."""

    vin: str
    pieces: range


def _groups(text: str) -> Iterable[list[_Piece]]:
    group: list[_Piece] = []
    previous_end: int | None = None
    for match in _PIECE.finditer(text):
        if previous_end is not None and not _joins(text[previous_end : match.start()]):
            yield group
            group = []
        raw = match.group()
        usable = raw.isascii()
        group.append(
            _Piece(
                text=raw.upper(),
                written_in_capitals=raw == raw.upper(),
                usable=usable,
                has_digit=usable and any(char.isdigit() for char in raw),
            )
        )
        previous_end = match.end()
    if group:
        yield group


def _joins(separator: str) -> bool:
    return 0 < len(separator) <= _MAX_JOINER_LENGTH and all(char in _JOINERS for char in separator)


def _vin_windows(group: Sequence[_Piece]) -> list[_Window]:
    candidates: list[tuple[tuple[int, bool, int], _Window]] = []
    for first in range(len(group)):
        length = 0
        for last in range(first, len(group)):
            piece = group[last]
            length += len(piece.text)
            if not piece.usable or length > VIN_LENGTH:
                break
            if length < VIN_LENGTH:
                continue
            pieces = group[first : last + 1]
            vin = "".join(part.text for part in pieces)
            if _looks_like_vin(vin) and (len(pieces) == 1 or _plausibly_split(pieces, vin)):
                rank = (len(pieces), check_digit(vin) != vin[CHECK_DIGIT_INDEX], first)
                candidates.append((rank, _Window(vin, range(first, last + 1))))
    taken: set[int] = set()
    chosen: list[_Window] = []
    for _, window in sorted(candidates, key=lambda candidate: candidate[0]):
        if taken.isdisjoint(window.pieces):
            taken.update(window.pieces)
            chosen.append(window)
    return sorted(chosen, key=lambda window: window.pieces.start)


def _looks_like_vin(vin: str) -> bool:
    return (
        is_well_formed(vin)
        and any(char.isalpha() for char in vin)
        and vin[-_NUMERIC_TAIL:].isdigit()
    )


def _plausibly_split(pieces: Sequence[_Piece], vin: str) -> bool:
    if check_digit(vin) == vin[CHECK_DIGIT_INDEX]:
        return True
    return all(piece.has_digit or piece.written_in_capitals for piece in pieces)


def _without_links(text: str) -> str:
    def blank(match: re.Match[str]) -> str:
        token = match.group()
        is_link = "://" in token or token.lower().startswith("www.") or "@" in token
        return " " * len(token) if is_link else token

    return _TOKEN.sub(blank, text)


def _attempts_in_run(run: Sequence[_Piece]) -> list[str]:
    joined = "".join(piece.text for piece in run)
    if _looks_attempted(joined):
        return [joined]
    return [piece.text for piece in run if _looks_attempted(piece.text)]


def _looks_attempted(token: str) -> bool:
    letters = sum(char.isalpha() for char in token)
    digits = sum(char.isdigit() for char in token)
    switches = sum(left.isdigit() != right.isdigit() for left, right in pairwise(token))
    return (
        len(token) in _ATTEMPT_LENGTHS
        and letters >= _ATTEMPT_MIN_LETTERS
        and digits >= _ATTEMPT_MIN_DIGITS
        and switches >= _ATTEMPT_MIN_SWITCHES
        and not _looks_like_vin(token)
    )
