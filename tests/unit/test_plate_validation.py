"""Plate and state input: validated before any paid lookup, with a friendly reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vinbot.models.errors import InvalidPlate, InvalidRegion
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
    ],
)
def test_plates_are_compacted(plate: str, compact: str) -> None:
    """Plates lose spaces, dots and dashes and are upper-cased."""
    assert validate_plate(plate) == compact


@pytest.mark.parametrize(
    ("plate", "hint"),
    [
        ("", "letters and digits"),
        (" - ", "letters and digits"),
        ("AB#12", "only the letters"),
        ("ÄBC123", "only the letters"),
        ("AB\U0001f697", "only the letters"),
        ("\uff11\uff12\uff13", "only the letters"),
        ("ABCDEFGHIJK", "at most 10"),
    ],
)
def test_bad_plates_say_why(plate: str, hint: str) -> None:
    """Empty plates, symbols, non-ASCII characters and over-long plates raise InvalidPlate."""
    with pytest.raises(InvalidPlate, match=hint):
        validate_plate(plate)


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
    ],
)
def test_valid_regions(
    country: str | None, state: str | None, expected: tuple[str, str | None]
) -> None:
    """US, Canadian and Australian codes from the tables, and any other country's short code."""
    assert validate_state(country, state) == expected


@pytest.mark.parametrize(
    ("country", "state", "hint"),
    [
        ("US", None, "needs the state code, like /plate ABC1234 CA"),
        ("US", "XX", "XX is not a US state code"),
        ("US", "ON", "ON is not a US state code"),
        ("CA", None, "/plate ABC1234 ON CA"),
        ("CA", "NY", "not a CA province"),
        ("AU", "QL", "not a AU state"),
        ("USA", "CA", "two-letter code"),
        ("1X", None, "two-letter code"),
        ("GB", "L-ON", "short code"),
    ],
)
def test_invalid_regions_say_why(country: str, state: str | None, hint: str) -> None:
    """Unknown or missing state codes, and malformed country codes, raise InvalidRegion."""
    with pytest.raises(InvalidRegion, match=hint) as caught:
        validate_state(country, state)

    assert caught.value.country == country.upper()


def test_tables_are_complete() -> None:
    """The tables hold 50 states, DC and 5 territories; 13 provinces; 8 Australian regions."""
    assert len(US_STATES) == 56
    assert len(CA_PROVINCES) == 13
    assert len(AU_STATES) == 8
    assert all(len(code) == 2 for code in (*US_STATES, *CA_PROVINCES))
