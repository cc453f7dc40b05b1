"""The compact store behind the vPIC WMI table: exact keys by bisection, rows split on lookup."""

from __future__ import annotations

import tracemalloc

import pytest

from vinbot.models.vpic_rows import VpicRow, VpicRows
from vinbot.models.wmi import _table, assignment_for

ROWS = [
    ("ZZ3", "MC Moto\tMC Moto\t"),
    ("5N1", "Nissan North America, Inc.\tNissan|Infiniti\tUnited States"),
    ("ZA9A12", "Automobili Lamborghini SpA\tLamborghini\tItaly"),
    ("1G1", "General Motors LLC\tChevrolet\tUnited States"),
    ("TMB", "Škoda Auto a.s.\tŠkoda\tCzech Republic"),
]
# The loaded table, the curated supplement included; it was about 7 MB as a dict of objects.
WMI_TABLE_MEMORY_LIMIT = 2 * 2**20


def test_every_row_is_found_by_its_key_whatever_the_input_order() -> None:
    """Three- and six-character keys come back with their fields, unsorted input included."""
    rows = VpicRows(ROWS)
    assert len(rows) == len(ROWS)
    assert rows.get("5N1") == VpicRow(
        "Nissan North America, Inc.", "Nissan|Infiniti", "United States"
    )
    assert rows.get("ZA9A12") == VpicRow("Automobili Lamborghini SpA", "Lamborghini", "Italy")
    assert rows.get("TMB") == VpicRow("Škoda Auto a.s.", "Škoda", "Czech Republic")
    assert rows.get("ZZ3") == VpicRow("MC Moto", "MC Moto", "")


@pytest.mark.parametrize(
    "key", ["5N", "5N2", "ZA9", "ZA9A1", "ZA9A13", "ZA9A12X", "ŠKO", "", "000"]
)
def test_a_key_not_listed_exactly_is_missing(key: str) -> None:
    """No prefix, longer, shorter or non-ASCII key matches a row."""
    rows = VpicRows(ROWS)
    assert rows.get(key) is None
    assert key not in rows


def test_a_later_row_for_the_same_key_wins() -> None:
    """Like a dict built from the file, the last row for a key is the one kept."""
    rows = VpicRows([("5N1", "Old\tNissan\t"), ("5N1", "New\tNissan\tJapan")])
    assert len(rows) == 1
    assert rows.get("5N1") == VpicRow("New", "Nissan", "Japan")


@pytest.mark.parametrize(
    ("key", "row"), [("5N1", "Nissan\tNissan"), ("5N1", "a\tb\tc\td"), ("5N1AB12", "a\tb\tc")]
)
def test_a_malformed_row_is_refused_when_the_table_is_built(key: str, row: str) -> None:
    """A row without exactly three fields, or a key over six characters, fails at load time."""
    with pytest.raises(ValueError, match=r"fields|characters"):
        VpicRows([(key, row)])


def test_the_loaded_wmi_table_stays_small() -> None:
    """The whole table, read from the committed file, holds under 2 MB of the bot's memory."""
    _table.cache_clear()
    tracemalloc.start()
    try:
        table = _table()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.get("1HG") is not None
    assert assignment_for("1HGCM82633A004352") == table.get("1HG")
    assert held < WMI_TABLE_MEMORY_LIMIT
