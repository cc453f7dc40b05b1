"""The WMI table generator: reading vPIC's tables, cleaning names, and the committed output."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from scripts.generate_wmi_table import (
    PACKAGE,
    VERSION,
    WmiRow,
    country_name,
    display_name,
    generate,
    read_rows,
    render,
)
from vinbot.models.wmi import VPIC_DATA, _parse_vpic

if TYPE_CHECKING:
    from collections.abc import Iterator

SAMPLE = Path(__file__).parent.parent / "fixtures" / "vpic" / "wmi_sample.sql"


@pytest.fixture
def sample() -> Iterator[sqlite3.Connection]:
    """An in-memory vPIC database holding the checked-in sample rows."""
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.executescript(SAMPLE.read_text(encoding="utf-8"))
        yield connection


def test_rows_carry_manufacturer_makes_and_country(sample: sqlite3.Connection) -> None:
    """5N1 reads as Nissan North America with Nissan first, then Infiniti, in the United States."""
    rows = {row.wmi: row for row in read_rows(sample)}
    assert rows["5N1"] == WmiRow(
        wmi="5N1",
        manufacturer="Nissan North America, Inc.",
        makes=("Nissan", "Infiniti"),
        country="United States",
    )


def test_shared_wmis_list_every_make_own_make_first(sample: sqlite3.Connection) -> None:
    """A WMI's own make leads, the other makes of Wmi_Make follow alphabetically."""
    rows = {row.wmi: row for row in read_rows(sample)}
    assert rows["2C3"].makes == ("Chrysler", "Dodge", "Fiat", "Lancia")
    assert rows["1C4"].makes == ("Chrysler", "Dodge", "Fiat", "Jeep", "Lancia", "Ram", "Volkswagen")


def test_small_makers_keep_six_characters(sample: sqlite3.Connection) -> None:
    """A small maker's key is its WMI plus VIN positions 12-14, as vPIC stores it."""
    rows = {row.wmi: row for row in read_rows(sample)}
    assert rows["ZA9A12"].manufacturer == "Automobili Lamborghini SpA"
    assert rows["ZA9A12"].makes == ("Lamborghini",)


def test_rows_not_from_nhtsa_or_not_vin_shaped_are_left_out(sample: sqlite3.Connection) -> None:
    """The package's own XP7 row (ISO timestamp) and 1OY (a letter O) never reach the table."""
    wmis = [row.wmi for row in read_rows(sample)]
    assert "XP7" not in wmis
    assert "1OY" not in wmis
    assert wmis == sorted(wmis)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("NISSAN NORTH AMERICA, INC.", "Nissan North America, Inc."),
        ("VOLKSWAGEN GROUP OF AMERICA, INC.", "Volkswagen Group of America, Inc."),
        ("AUTOMOBILI LAMBORGHINI SPA", "Automobili Lamborghini SpA"),
        ("BMW AG", "BMW AG"),
        ("DAIMLER BUSES GMBH", "Daimler Buses GmbH"),
        ("MCLAREN AUTOMOTIVE", "McLaren Automotive"),
        ("ODOM'S  MANUFACTURING", "Odom's Manufacturing"),
        ("Mercedes-Benz Cars", "Mercedes-Benz Cars"),
    ],
)
def test_display_name_turns_upper_case_into_ordinary_capitals(raw: str, shown: str) -> None:
    """Upper-case vPIC names get ordinary capitals, acronyms and legal forms keep theirs."""
    assert display_name(raw) == shown


def test_country_names_follow_the_bots_spelling() -> None:
    """vPIC's "UNITED STATES (USA)" and "ENGLAND" read as the bot names those countries."""
    assert country_name("UNITED STATES (USA)") == "United States"
    assert country_name("ENGLAND") == "United Kingdom"
    assert country_name("SOUTH KOREA") == "South Korea"
    assert country_name(None) == ""


def test_written_file_reads_back_as_the_same_assignments(
    sample: sqlite3.Connection, tmp_path: Path
) -> None:
    """What generate writes, the bot's loader reads: header comments skipped, makes split."""
    database = tmp_path / "vpic.db"
    with closing(sqlite3.connect(database)) as copy:
        sample.backup(copy)
    output = tmp_path / "wmi.tsv"
    assert generate(database, output, source="sample") == 7
    text = output.read_text(encoding="utf-8")
    assert "# Source: sample" in text
    assert "# Rows: 7 (6 three-character WMIs, 1 small makers)" in text
    table = _parse_vpic(text.splitlines())
    assert table["5N1"].makes == ("Nissan", "Infiniti")
    assert table["5N1"].registrant_country == "United States"
    assert table["ZA9A12"].manufacturer == "Automobili Lamborghini SpA"


def test_render_names_the_source_and_counts_rows() -> None:
    """The header records the source, the date and how many rows of each kind follow."""
    rows = [WmiRow("5N1", "Nissan North America, Inc.", ("Nissan", "Infiniti"), "United States")]
    text = render(rows, source="npm x@1", generated="2026-01-02")
    assert text.splitlines()[1:] == [
        "# Source: npm x@1",
        "# Made by scripts/generate_wmi_table.py; do not edit by hand, rerun the script.",
        "# Generated: 2026-01-02",
        "# Rows: 1 (1 three-character WMIs, 0 small makers)",
        "# Columns: WMI (or WMI + positions 12-14), manufacturer, makes (|-separated), country",
        "5N1\tNissan North America, Inc.\tNissan|Infiniti\tUnited States",
    ]


def test_committed_table_records_its_source_and_row_count() -> None:
    """The committed file names the pinned package and holds as many rows as its header says."""
    lines = VPIC_DATA.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    rows = [line for line in lines if line and not line.startswith("#")]
    assert any(f"{PACKAGE}@{VERSION}" in line for line in header)
    assert f"# Rows: {len(rows)} " in "\n".join(header)
    assert len(rows) > 10_000
    assert all(line.count("\t") == 3 for line in rows)
