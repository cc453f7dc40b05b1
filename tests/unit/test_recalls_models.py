"""Recall ordering and report bookkeeping: dangerous campaigns first, then the newest."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from vinbot.models.recalls import Recall, RecallReport, sort_recalls


def test_do_not_drive_then_park_outside_then_newest() -> None:
    """Do-not-drive campaigns lead, park-outside ones follow, the rest go newest first."""
    old = Recall("19V000001", date=dt.date(2019, 1, 1))
    new = Recall("23V000001", date=dt.date(2023, 1, 1))
    undated = Recall("20V000001")
    park = Recall("18V000001", date=dt.date(2018, 1, 1), park_outside=True)
    stop = Recall("17V000001", date=dt.date(2017, 1, 1), do_not_drive=True)

    report = RecallReport(source="nhtsa", recalls=(old, undated, park, new, stop))

    assert [r.campaign_id for r in report.recalls] == [
        "17V000001",
        "18V000001",
        "23V000001",
        "19V000001",
        "20V000001",
    ]
    assert report.count == 5
    assert report.dangerous_count == 2


def test_duplicate_campaigns_are_listed_once() -> None:
    """A campaign a source lists twice is counted and shown once."""
    first = Recall("22V228000", component="AIR BAGS")
    again = Recall("22V228000", component="AIR BAGS")

    report = RecallReport(source="carsxe", recalls=(first, again), vin="1HGCM82633A004352")

    assert report.count == 1
    assert report.campaign_ids == frozenset({"22V228000"})
    assert report.vin_specific


def test_unknown_flags_are_not_dangerous() -> None:
    """A campaign whose flags are unknown (None) is not counted as dangerous."""
    unknown = Recall("21V010000", do_not_drive=None, park_outside=None)

    assert not unknown.dangerous
    assert unknown.danger == 0


def test_model_level_report_is_not_vin_specific() -> None:
    """A report by make, model and year says it did not check the VIN itself."""
    report = RecallReport(source="nhtsa", make="Honda", model="Accord", year=2003)

    assert not report.vin_specific
    assert report.us_market_only
    assert report.count == 0


_RECALLS = st.builds(
    Recall,
    campaign_id=st.text("0123456789V", min_size=1, max_size=9),
    date=st.none() | st.dates(dt.date(1966, 1, 1), dt.date(2030, 12, 31)),
    do_not_drive=st.none() | st.booleans(),
    park_outside=st.none() | st.booleans(),
)


@given(st.lists(_RECALLS, max_size=12))
def test_sorting_is_stable_and_dangerous_first(recalls: list[Recall]) -> None:
    """For any list, sorting is idempotent, keeps one per campaign and never puts danger last."""
    ordered = sort_recalls(recalls)

    assert sort_recalls(ordered) == ordered
    assert len(ordered) == len({r.campaign_id for r in recalls})
    dangers = [r.danger for r in ordered]
    assert dangers == sorted(dangers, reverse=True)
