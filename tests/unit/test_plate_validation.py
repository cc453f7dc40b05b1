"""Plate and state input: validated before any paid lookup, with a friendly reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vinbot.formatters.plate import plate_problem, region_problem
from vinbot.i18n import words_in
from vinbot.models.errors import InvalidPlate, InvalidRegion, PlateProblem, RegionProblem
from vinbot.models.plate import (
    AU_STATES,
    CA_PROVINCES,
    MAX_PLATE_LENGTH,
    US_STATES,
    validate_plate,
    validate_state,
)


@pytest.mark.parametrize(
    ("plate", "compact"),
    [
        ("ABC1234", "ABC1234"),
        ("abc 1234", "ABC1234"),
        ("7-XYZ-123", "7XYZ123"),
        ("ab.12", "AB12"),
        (" 1 ", "1"),
        ("\uff11\uff12\uff13\u3000\uff41\uff22", "123AB"),
    ],
)
def test_plates_are_compacted(plate: str, compact: str) -> None:
    """Plates lose spaces, dots and dashes and are upper-cased."""
    assert validate_plate(plate) == compact


@pytest.mark.parametrize(
    ("plate", "problem", "hint"),
    [
        ("", PlateProblem.EMPTY, "letters and digits"),
        (" - ", PlateProblem.EMPTY, "letters and digits"),
        ("AB#12", PlateProblem.CHARACTERS, "only the letters"),
        ("ÄBC123", PlateProblem.CHARACTERS, "only the letters"),
        ("AB\U0001f697", PlateProblem.CHARACTERS, "only the letters"),
        ("ABCDEFGHIJK", PlateProblem.TOO_LONG, "at most 10 letters and digits; this has 11"),
    ],
)
def test_bad_plates_say_why(plate: str, problem: PlateProblem, hint: str) -> None:
    """Empty plates, symbols, non-ASCII characters and over-long plates raise InvalidPlate."""
    with pytest.raises(InvalidPlate) as caught:
        validate_plate(plate)

    assert caught.value.problem is problem
    assert hint in plate_problem(words_in("en"), caught.value)


@given(st.text(max_size=20))
def test_any_text_is_a_compact_plate_or_invalid(text: str) -> None:
    """Any text gives an upper-case ASCII plate of 1 to 10 characters, or InvalidPlate."""
    try:
        plate = validate_plate(text)
    except InvalidPlate:
        return
    assert plate.isascii()
    assert plate.isalnum()
    assert plate == plate.upper()
    assert 1 <= len(plate) <= MAX_PLATE_LENGTH


@pytest.mark.parametrize(
    ("country", "state", "expected"),
    [
        (None, "ca", ("US", "CA")),
        ("us", " ny ", ("US", "NY")),
        ("US", "DC", ("US", "DC")),
        ("US", "PR", ("US", "PR")),
        ("CA", "on", ("CA", "ON")),
        ("AU", "nsw", ("AU", "NSW")),
        ("GB", None, ("GB", None)),
        ("DE", "BY", ("DE", "BY")),
        ("\uff35\uff33", "\uff43\uff41", ("US", "CA")),
    ],
)
def test_valid_regions(
    country: str | None, state: str | None, expected: tuple[str, str | None]
) -> None:
    """US, Canadian and Australian codes from the tables, and any other country's short code."""
    assert validate_state(country, state) == expected


@pytest.mark.parametrize(
    ("country", "state", "problem", "hint"),
    [
        ("US", None, RegionProblem.STATE_MISSING, "needs the state code, like /plate ABC1234 CA"),
        ("US", "XX", RegionProblem.STATE_UNKNOWN, "XX is not a US state code"),
        ("US", "ON", RegionProblem.STATE_UNKNOWN, "ON is not a US state code"),
        ("CA", None, RegionProblem.STATE_MISSING, "/plate ABC1234 ON CA"),
        ("CA", "NY", RegionProblem.STATE_UNKNOWN, "not a Canadian province"),
        ("AU", "QL", RegionProblem.STATE_UNKNOWN, "not an Australian state"),
        ("USA", "CA", RegionProblem.COUNTRY_FORMAT, "two-letter code"),
        ("1X", None, RegionProblem.COUNTRY_FORMAT, "two-letter code"),
        ("GB", "L-ON", RegionProblem.REGION_FORMAT, "short code"),
    ],
)
def test_invalid_regions_say_why(
    country: str, state: str | None, problem: RegionProblem, hint: str
) -> None:
    """Unknown or missing state codes, and malformed country codes, raise InvalidRegion."""
    with pytest.raises(InvalidRegion) as caught:
        validate_state(country, state)

    assert caught.value.country == country.upper()
    assert caught.value.problem is problem
    assert hint in region_problem(words_in("en"), caught.value)


def test_tables_are_complete() -> None:
    """The tables hold 50 states, DC and 5 territories; 13 provinces; 8 Australian regions."""
    assert len(US_STATES) == 56
    assert len(CA_PROVINCES) == 13
    assert len(AU_STATES) == 8
    assert all(len(code) == 2 for code in (*US_STATES, *CA_PROVINCES))
