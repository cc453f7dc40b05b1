"""Cache keys: namespaced, versioned, normalised, and safe for any user-provided text."""

from __future__ import annotations

import re

import pytest

from vinbot.cache import keys

VIN = "1HGCM82633A004352"
SAFE_KEY = re.compile(r"^[A-Za-z0-9._~%:-]+$")


def test_spec_key_is_namespaced_and_versioned() -> None:
    """A VIN's spec key is vinbot:v<schema version>:spec:<VIN>."""
    assert keys.spec_key(VIN) == f"vinbot:v{keys.SCHEMA_VERSION}:spec:{VIN}"
    assert keys.spec_key(VIN) == f"vinbot:v1:spec:{VIN}"


def test_a_vin_is_upper_cased_and_trimmed() -> None:
    """The same VIN typed in lower case or with spaces around it shares one key."""
    assert keys.spec_key(f"  {VIN.lower()} ") == keys.spec_key(VIN)


def test_each_kind_has_its_own_key_for_the_same_vin() -> None:
    """Spec, not-found, recalls and market value for one VIN never share a key."""
    all_keys = {
        keys.spec_key(VIN),
        keys.not_found_key("carsxe", VIN),
        keys.recalls_by_vin_key(VIN),
        keys.market_value_key(VIN),
    }

    assert len(all_keys) == 4
    assert all(k.startswith("vinbot:v1:") for k in all_keys)


def test_not_found_is_remembered_per_provider() -> None:
    """One provider having no data for a VIN says nothing about another provider."""
    assert keys.not_found_key("carsxe", VIN) != keys.not_found_key("nhtsa", VIN)
    assert keys.not_found_key("carsxe", VIN) == f"vinbot:v1:notfound:carsxe:{VIN}"


def test_colons_in_user_text_cannot_shift_the_key_layout() -> None:
    """A make or model containing ':' is escaped, so parts cannot run into each other."""
    first = keys.recalls_by_model_key("a:b", "c", 2020)
    second = keys.recalls_by_model_key("a", "b:c", 2020)

    assert first != second
    assert first.count(":") == second.count(":") == 5
    assert "%3A" in first


def test_free_text_is_case_and_spacing_insensitive() -> None:
    """Makes and models differing only in case or runs of spaces share one key."""
    assert keys.recalls_by_model_key("  Land   Rover ", "RANGE rover", 2020) == (
        keys.recalls_by_model_key("land rover", "Range Rover", 2020)
    )
    assert keys.recalls_by_model_key("Land Rover", "Defender", 2020) == (
        "vinbot:v1:recalls-model:land%20rover:defender:2020"
    )


@pytest.mark.parametrize(
    "text",
    ["Citroën", "Mercedes-Benz/AMG", "a b\tc\nd", "x*y?[z]", "50% off", "🚗", "~", "%3A", ""],
)
def test_any_text_gives_a_plain_ascii_key(text: str) -> None:
    """Unicode, whitespace, glob characters and escapes all come out as a plain ASCII key."""
    key = keys.image_key(text, text, 2020, text)

    assert SAFE_KEY.match(key)
    assert key.count(":") == 6


def test_escaping_is_not_ambiguous() -> None:
    """Text that looks like an escape sequence differs from the character it would encode."""
    assert keys.image_key("a%3Ab", "m") != keys.image_key("a:b", "m")


def test_a_missing_part_differs_from_any_text() -> None:
    """An absent trim or year can never equal a trim the user typed, not even '~'."""
    without_trim = keys.image_key("Honda", "Civic", 2020)

    assert without_trim != keys.image_key("Honda", "Civic", 2020, "~")
    assert without_trim != keys.image_key("Honda", "Civic", 2020, "")
    assert keys.image_key("Honda", "Civic") != keys.image_key("Honda", "Civic", 2020)


def test_long_text_is_hashed_to_a_bounded_distinct_part() -> None:
    """Very long input gives a short key, and two different long inputs still differ."""
    long_a = keys.image_key("make", "x" * 10_000)
    long_b = keys.image_key("make", "x" * 9_999 + "y")

    assert long_a != long_b
    assert len(long_a) < 120
    assert len(long_b) < 120


def test_every_market_value_input_is_part_of_the_key() -> None:
    """Mileage, state and condition each change the market-value key."""
    base = keys.market_value_key(VIN, mileage=50_000, state="CA", condition="clean")
    variants = {
        keys.market_value_key(VIN, mileage=60_000, state="CA", condition="clean"),
        keys.market_value_key(VIN, mileage=50_000, state="NY", condition="clean"),
        keys.market_value_key(VIN, mileage=50_000, state="CA", condition="rough"),
        keys.market_value_key(VIN),
    }

    assert base not in variants
    assert len(variants) == 4
    assert base == keys.market_value_key(VIN, mileage=50_000, state="ca", condition="Clean")


def test_plate_keys_ignore_separators_and_case() -> None:
    """A plate typed with spaces, dots or dashes in any case shares one key per region."""
    assert keys.plate_key("abc-123", state="ca") == keys.plate_key("ABC 123", state="CA")
    assert keys.plate_key("ABC123", state="CA") != keys.plate_key("ABC123", state="NY")
    assert keys.plate_key("ABC123", state="CA") == "vinbot:v1:plate:US:CA:ABC123"


def test_ttls_match_how_fast_each_kind_goes_stale() -> None:
    """Decodes and images live 30 days, no-data a day, recalls and values 6 hours."""
    day = 24 * 3600
    ttls = {
        "spec": keys.SPEC_TTL,
        "image": keys.IMAGE_TTL,
        "not_found": keys.NOT_FOUND_TTL,
        "recalls": keys.RECALLS_TTL,
        "market_value": keys.MARKET_VALUE_TTL,
    }

    assert ttls == {
        "spec": 30 * day,
        "image": 30 * day,
        "not_found": day,
        "recalls": 6 * 3600,
        "market_value": 6 * 3600,
    }
    assert 0 < keys.PLATE_TTL <= 30 * day


def test_a_press_key_is_short_and_holds_no_button_data() -> None:
    """A press's key is a fixed-length digest: the signed callback data never reaches the store."""
    signed = "r:1HGCM82633A004352:s3cr3tsig"
    name = keys.press_key(7, -1001234567890, 5, signed)
    assert SAFE_KEY.match(name)
    assert len(name) <= 64  # the leases table's name column
    assert "s3cr3tsig" not in name
    assert name == keys.press_key(7, -1001234567890, 5, signed)
    assert name != keys.press_key(7, -1001234567890, 6, signed)
    assert name != keys.press_key(7, None, None, signed)
