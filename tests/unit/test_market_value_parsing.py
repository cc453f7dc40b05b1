"""Mileage and condition input: friendly errors for anything that is not a plausible value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vinbot.formatters import market_value as market_value_texts
from vinbot.i18n import words_in
from vinbot.models.errors import InvalidCondition, InvalidInput, InvalidMileage
from vinbot.models.market_value import MAX_MILEAGE, PriceRange, parse_condition, parse_mileage


@pytest.mark.parametrize(
    ("text", "miles"),
    [
        ("85000", 85_000),
        ("85,000", 85_000),
        ("85 000", 85_000),
        ("85\u00a0000", 85_000),
        ("85'000", 85_000),
        ("85.000", 85_000),
        ("85k", 85_000),
        ("85K", 85_000),
        ("85.5k", 85_500),
        ("85,5k", 85_500),
        ("85K miles", 85_000),
        ("85 k", 85_000),
        ("85000 mi", 85_000),
        ("1 mile", 1),
        ("1,250,000", 1_250_000),
        ("0", 0),
        ("  42000  ", 42_000),
        ("2000k", 2_000_000),
    ],
)
def test_accepted_mileages(text: str, miles: int) -> None:
    """Numbers with or without separators, "k" and a miles unit are read as miles."""
    assert parse_mileage(text) == miles


@pytest.mark.parametrize(
    ("text", "problem", "hint"),
    [
        ("-5", "negative", "negative"),
        ("\u22125000", "negative", "negative"),
        ("85km", "kilometres", "0.62 miles"),
        ("120 000 km", "kilometres", "0.62 miles"),
        ("2000001", "too_high", "2,000,001 miles is more than any car"),
        ("3m", "unreadable", "as a number"),
        ("abc", "unreadable", "as a number"),
        ("", "unreadable", "as a number"),
        ("85,00", "unreadable", "as a number"),
        ("85,000.5", "unreadable", "as a number"),
        ("1.250,000", "unreadable", "as a number"),
        ("1e5", "unreadable", "as a number"),
        ("\u0668\u0665", "unreadable", "as a number"),
        ("85..5k", "unreadable", "as a number"),
        ("k", "unreadable", "as a number"),
        ("9" * 5000, "unreadable", "as a number"),
    ],
)
def test_rejected_mileages_say_why(text: str, problem: str, hint: str) -> None:
    """Negative, metric, absurd and malformed input raise InvalidMileage with a reason code
    that the formatter words helpfully."""
    with pytest.raises(InvalidMileage) as caught:
        parse_mileage(text)

    assert caught.value.problem == problem
    assert hint in market_value_texts.input_problem(words_in("en"), caught.value)


@given(st.integers(0, MAX_MILEAGE), st.sampled_from(["", ",", " ", "'", "."]))
def test_any_plausible_mileage_round_trips(miles: int, separator: str) -> None:
    """Every mileage up to the limit, grouped by thousands with any one separator, reads back."""
    grouped = f"{miles:,}".replace(",", separator)

    assert parse_mileage(grouped) == miles
    assert parse_mileage(f"{grouped} miles") == miles


@given(st.text(max_size=30))
def test_any_text_parses_or_raises_invalid_mileage(text: str) -> None:
    """Arbitrary text gives a mileage within range or InvalidMileage, never another error."""
    try:
        miles = parse_mileage(text)
    except InvalidMileage:
        return
    assert 0 <= miles <= MAX_MILEAGE


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("excellent", "excellent"),
        ("Clean", "clean"),
        ("good", "clean"),
        ("AVERAGE", "average"),
        ("fair", "average"),
        ("rough", "rough"),
        ("extra-clean", "excellent"),
        (None, None),
        ("  ", None),
    ],
)
def test_conditions(text: str | None, condition: str | None) -> None:
    """CarsXE's four conditions and their everyday names are accepted; blank means none."""
    assert parse_condition(text) == condition


def test_unknown_condition_lists_the_choices() -> None:
    """An unknown condition raises InvalidCondition naming the four choices."""
    with pytest.raises(InvalidCondition) as caught:
        parse_condition("mint")

    assert isinstance(caught.value, InvalidInput)
    assert market_value_texts.input_problem(words_in("en"), caught.value) == (
        "The condition is one of excellent, clean, average or rough."
    )


def test_price_range_spans_the_priced_conditions() -> None:
    """A range runs from the lowest to the highest priced condition and ignores zeros."""
    price_range = PriceRange.of({"excellent": 10_000, "clean": 9_000, "rough": 0})

    assert price_range is not None
    assert (price_range.low, price_range.high) == (9_000, 10_000)
    assert price_range.at("clean") == 9_000
    assert price_range.at("rough") is None
    assert price_range.at(None) is None
    assert PriceRange.of({"clean": 0}) is None


@pytest.mark.parametrize(
    ("typed", "miles"),
    [
        ("85 000 миль", 85_000),
        ("85 тыс", 85_000),
        ("120 тис. миль", 120_000),
        ("85000 mil", 85_000),
        ("85 tys. mil", 85_000),
        ("85 bin", 85_000),
        ("85000 millas", 85_000),
        ("85.000 milhas", 85_000),
        ("85 ألف ميل", 85_000),
        ("８５０００", 85_000),
    ],
)
def test_mileage_in_the_bots_languages(typed: str, miles: int) -> None:
    """Miles and "thousand" as people write them in Russian, Ukrainian, Polish, Turkish,
    Spanish, Portuguese and Arabic."""
    assert parse_mileage(typed) == miles


@pytest.mark.parametrize(
    "typed", ["85000 км", "90000 kilómetros", "85 000 quilômetros", "85000 كم"]
)
def test_kilometres_in_the_bots_languages_are_recognised(typed: str) -> None:
    """Kilometres in other languages are told apart from miles, not taken for them."""
    with pytest.raises(InvalidMileage) as caught:
        parse_mileage(typed)
    assert caught.value.problem == "kilometres"


def test_a_short_mil_is_not_guessed() -> None:
    """ "85 mil" is 85 miles in Turkish or Polish but 85,000 in Spanish: it is asked again."""
    with pytest.raises(InvalidMileage):
        parse_mileage("85 mil")
