"""The WMI data: ISO 3780 regions and countries, and the curated exact-match manufacturer table."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from vinbot.bootstrap import build_core
from vinbot.config import load_settings
from vinbot.models.wmi import (
    _looked_up,
    _table,
    assignment_for,
    country_for,
    is_north_american,
    manufacturer_for,
    region_for,
    wmi_country,
)
from vinbot.models.wmi_table import (
    HEAVY_VEHICLE_WMIS,
    SMALL_MANUFACTURER_ASSIGNMENTS,
    WMI_ASSIGNMENTS,
)

VIN_CHARACTERS = set("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")


@pytest.mark.parametrize(
    ("wmi", "country"),
    [
        ("1HG", "United States"),
        ("4T1", "United States"),
        ("5YJ", "United States"),
        ("7SA", "United States"),
        ("2HG", "Canada"),
        ("3VW", "Mexico"),
        ("3WX", "Mexico"),
        ("3X1", "Costa Rica"),
        ("JHM", "Japan"),
        ("J0A", "Japan"),
        ("KMH", "South Korea"),
        ("KL1", "South Korea"),
        ("LFV", "China"),
        ("MA3", "India"),
        ("NMT", "Turkey"),
        ("SAJ", "United Kingdom"),
        ("SMT", "United Kingdom"),
        ("SN1", "Germany"),
        ("WBA", "Germany"),
        ("VF1", "France"),
        ("VR3", "France"),
        ("VS6", "Spain"),
        ("ZFA", "Italy"),
        ("ZRA", "Italy"),
        ("YS3", "Sweden"),
        ("YV1", "Sweden"),
        ("TMB", "Czech Republic"),
        ("TRU", "Hungary"),
        ("T1A", "Portugal"),
        ("X3A", "Russia"),
        ("X0A", "Russia"),
        ("XLR", "Netherlands"),
        ("6G1", "Australia"),
        ("7AB", "New Zealand"),
        ("8AF", "Argentina"),
        ("9BW", "Brazil"),
        ("93U", "Brazil"),
        ("9FA", "Colombia"),
        ("AAV", "South Africa"),
    ],
)
def test_country_follows_the_iso_3780_ranges(wmi: str, country: str) -> None:
    """The first two characters pick the country by ISO 3780 range, in ISO character order."""
    assert country_for(wmi) == country


@pytest.mark.parametrize("wmi", ["", "1", "IAA", "1OA", "0AA", "AJA", "VXA", "V2A", "ZSA"])
def test_country_is_none_when_unassigned_unsure_or_malformed(wmi: str) -> None:
    """Unassigned or disputed ranges and non-VIN characters give no country at all."""
    assert country_for(wmi) is None


@pytest.mark.parametrize(
    ("wmi", "region"),
    [
        ("AAV", "Africa"),
        ("JHM", "Asia"),
        ("WBA", "Europe"),
        ("1HG", "North America"),
        ("3VW", "North America"),
        ("7SA", "North America"),
        ("6G1", "Oceania"),
        ("7AB", "Oceania"),
        ("9BW", "South America"),
        ("", None),
        ("I", None),
    ],
)
def test_region_follows_the_first_character(wmi: str, region: str | None) -> None:
    """Position 1 gives the region, except the US range 7F-70 inside Oceania's 7."""
    assert region_for(wmi) == region


def test_north_america_means_first_character_1_to_5_or_the_us_7_range() -> None:
    """The check-digit rule applies to 1-5 and to the United States' 7F-70."""
    assert all(is_north_american(f"{first}AA") for first in "12345")
    assert is_north_american("7SA")
    assert not is_north_american("7AB")
    assert not is_north_american("WBA")


@pytest.mark.parametrize(
    ("vin", "manufacturer"),
    [
        ("1M8GDM9AXKP042788", "Motor Coach Industries, Inc."),
        ("1MEFM50U2XA123456", "Ford Motor Company"),
        ("1HGCM82633A004352", "American Honda Motor Co., Inc."),
        ("1FUJGLDR0CLBP8834", "Daimler Truck North America LLC"),
        ("1XKAD49X0CJ000000", "Kenworth Truck Company"),
        ("1XPWD40X1ED215307", "Peterbilt Motors Company"),
        ("4V4NC9EH6FN000000", "Volvo Group North America, LLC"),
        ("WBAFR7C57CC811956", "BMW AG"),
        ("5YJ3E1EA2KF317000", "Tesla, Inc."),
    ],
)
def test_manufacturer_matches_the_full_three_character_wmi(vin: str, manufacturer: str) -> None:
    """Known WMIs name their holder exactly; 1M8 is MCI, not Mercury's 1ME."""
    assert manufacturer_for(vin) == manufacturer


@pytest.mark.parametrize("vin", ["1MZAA00000A000000", "WBZ", "ZZZ", "1M", ""])
def test_unknown_wmi_is_never_guessed_from_two_characters(vin: str) -> None:
    """A WMI missing from the table answers None, even when its first two characters are known."""
    assert manufacturer_for(vin) is None
    assert assignment_for(vin) is None


def test_small_manufacturers_need_positions_12_to_14() -> None:
    """A WMI ending in 9 is never matched on its three characters alone."""
    assert manufacturer_for("1G9AA00000AZZZ000") is None
    assert manufacturer_for("ZA9") is None


def test_brand_is_given_only_when_the_wmi_settles_it() -> None:
    """1HG is Honda; Chrysler's 1C4 is shared by several brands, so no brand is claimed."""
    honda = assignment_for("1HGCM82633A004352")
    shared = assignment_for("1C4RJFBG0FC000000")
    assert honda is not None
    assert honda.brand == "Honda"
    assert shared is not None
    assert shared.brand is None


def test_heavy_vehicle_makers_are_flagged() -> None:
    """Bus and truck makers are flagged so position 7 is not read as a year rule."""
    mci = assignment_for("1M8GDM9AXKP042788")
    honda = assignment_for("1HGCM82633A004352")
    assert mci is not None
    assert mci.heavy_vehicles_only
    assert honda is not None
    assert not honda.heavy_vehicles_only


def test_table_rows_are_exact_unique_wmis_with_a_country() -> None:
    """Every row is three VIN characters, listed once, in an assigned country, not a small maker."""
    wmis = [wmi for wmi, _, _ in WMI_ASSIGNMENTS]
    assert len(wmis) == len(set(wmis))
    assert len(wmis) >= 300
    for wmi, manufacturer, brand in WMI_ASSIGNMENTS:
        assert len(wmi) == 3
        assert set(wmi) <= VIN_CHARACTERS
        assert not wmi.endswith("9")
        assert country_for(wmi) is not None, wmi
        assert manufacturer.strip() == manufacturer != ""
        assert brand is None or brand.strip() == brand != ""


def test_heavy_vehicle_wmis_and_small_makers_are_well_formed() -> None:
    """Heavy-vehicle flags point at listed WMIs; small-maker keys are WMI plus positions 12-14."""
    assert set(HEAVY_VEHICLE_WMIS) <= {wmi for wmi, _, _ in WMI_ASSIGNMENTS}
    for key, _, _ in SMALL_MANUFACTURER_ASSIGNMENTS:
        assert len(key) == 6
        assert key[2] == "9"


@pytest.mark.parametrize(
    ("wmi", "manufacturer", "makes"),
    [
        ("3GK", "General Motors LLC", ("GMC",)),
        ("5FR", "American Honda Motor Co., Inc.", ("Acura",)),
        ("JTN", "Toyota Motor Corporation", ("Toyota",)),
        ("W04", "Adam Opel AG", ("Buick",)),
        ("YAR", "Toyota Motor Europe", ("Toyota",)),
        ("92T", "Bajaj do Brasil", ("Bajaj",)),
        ("6H8", "GM Holden", ("Holden",)),
    ],
)
def test_common_wmis_are_known(wmi: str, manufacturer: str, makes: tuple[str, ...]) -> None:
    """WMIs the hand-picked table missed come from vPIC, else from the curated supplement."""
    assignment = assignment_for(f"{wmi}AA00000A000000")
    assert assignment is not None
    assert assignment.manufacturer == manufacturer
    assert assignment.makes == makes


@pytest.mark.parametrize(
    ("wmi", "makes"),
    [
        ("5N1", ("Nissan", "Infiniti")),
        ("2C3", ("Chrysler", "Dodge", "Fiat", "Lancia")),
        ("1C4", ("Chrysler", "Dodge", "Fiat", "Jeep", "Lancia", "Ram", "Volkswagen")),
    ],
)
def test_shared_wmis_list_every_possible_make_and_settle_no_brand(
    wmi: str, makes: tuple[str, ...]
) -> None:
    """A WMI registered for several makes lists them all and claims none as its brand."""
    assignment = assignment_for(f"{wmi}AA00000A000000")
    assert assignment is not None
    assert assignment.makes == makes
    assert assignment.brand is None


def test_small_manufacturer_is_matched_on_positions_12_to_14() -> None:
    """ZA9 plus A12 at positions 12-14 is Lamborghini's small-maker identity in vPIC."""
    assert manufacturer_for("ZA9BC37A4HLA12345") == "Automobili Lamborghini SpA"
    assert manufacturer_for("ZA9BC37A4HLZZZ345") is None


@pytest.mark.parametrize(
    ("wmi", "country"),
    [
        ("92T", "Brazil"),
        ("99A", "Brazil"),
        ("9XA", "Trinidad and Tobago"),
        ("HL3", "China"),
        ("RSA", "Saudi Arabia"),
    ],
)
def test_country_ranges_follow_current_practice(wmi: str, country: str) -> None:
    """92 is Brazil in practice and China uses H, whatever the original allocation said."""
    assert country_for(wmi) == country


@pytest.mark.parametrize("wmi", ["KUS", "R1A", "R8B", "38A", "RZA"])
def test_disputed_ranges_name_no_country(wmi: str) -> None:
    """Ranges whose use contradicts the allocation (KS-K0, RU-R0, 38-30) answer None."""
    assert country_for(wmi) is None


def test_h_belongs_to_asia() -> None:
    """China's H WMIs sit in Asia, not in the Africa ISO once gave H to."""
    assert region_for("HL3") == "Asia"


@pytest.mark.parametrize(
    ("vin", "country"),
    [
        ("XP7YGCEK3PB123456", "Germany"),
        ("9BWAA00000A000000", "Brazil"),
        ("3GKALMEV9JL123456", "Mexico"),
        ("R1AAA00000A000000", "China"),
    ],
)
def test_wmi_country_prefers_a_known_own_country_then_the_range(vin: str, country: str) -> None:
    """XP7 is Tesla's German WMI; vPIC's registrant country fills in only where no range applies."""
    assert wmi_country(vin) == country


async def test_the_bot_reads_the_wmi_table_before_it_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """build_core loads the table, so a decode afterwards never reads the file."""
    _table.cache_clear()
    _looked_up.cache_clear()
    settings = load_settings({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"})
    async with AsyncExitStack() as stack:
        await build_core(settings, stack, interactive=True)
        monkeypatch.setattr("vinbot.models.wmi.VPIC_DATA", tmp_path / "missing.tsv")
        assignment = assignment_for("1HGCM82633A004352")
        assert assignment is not None
        assert assignment.manufacturer
