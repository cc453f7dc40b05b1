"""The theft and title check's words: dangers with a next step, honest gaps, the offer, the PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.fakes.beyond import STOLEN_EVENT
from vinbot.formatters import title_check as texts
from vinbot.i18n import LANGUAGES, words_in
from vinbot.models.callback import CallbackCodec
from vinbot.models.records import QuotaDecision
from vinbot.models.title_check import (
    LienTheftReport,
    TheftEvent,
    TitleCheck,
    TitleHistory,
    TitleRecord,
    event_kind,
)
from vinbot.services.title_check import Offer, dump_check, load_check

EN = words_in("en")
HONDA = "1HGCM82633A004352"
NOW = dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC)
RESET = dt.datetime(2026, 12, 6, 0, 0, tzinfo=dt.UTC)
LIEN = TheftEvent(name="Open Lien", kind="lien", location="TX", lienholder="Acme Credit")
SALVAGE = TitleRecord("brand", dt.date(2021, 5, 1), "FL", "SALVAGE")
FLOOD = TitleRecord("insurance", dt.date(2021, 4, 1), "FL", "Flood damage")
LEMON = TitleRecord("brand", dt.date(2022, 1, 1), "OH", "MANUFACTURER BUYBACK")
ODD_BRAND = TitleRecord("brand", dt.date(2023, 2, 3), "TX", "PRIOR POLICE")
TITLE = TitleRecord("title", dt.date(2020, 1, 2), "OH", odometer=40_000)


def check(
    *events: TheftEvent,
    records: tuple[TitleRecord, ...] = (TITLE,),
    vin_changed: bool | None = None,
    theft: bool = True,
    history: bool = True,
) -> TitleCheck:
    """A check of the Honda with these events and records (a part None when not `theft`…)."""
    return TitleCheck(
        vin=HONDA,
        checked_at=NOW,
        theft=LienTheftReport(events=events) if theft else None,
        history=TitleHistory(records=records, vin_changed=vin_changed) if history else None,
    )


@pytest.mark.parametrize(
    "name", ["Lien Released", "Lien Satisfied", "Inactive Theft", "Theft Closed", "Lien Cleared"]
)
def test_an_event_that_is_over_is_information_only(name: str) -> None:
    """A released lien or a closed theft is 📌 information, never "stolen" or "the lender"."""
    assert event_kind(name) == "other"
    text = texts.render_check(EN, check(TheftEvent(name=name, kind=event_kind(name))))
    assert f"📌 <b>{name}</b>" in text
    assert "stolen" not in text
    assert "police" not in text
    assert "the lender can claim it" not in text
    assert "No theft, lien or export records found." in text


def test_open_events_keep_their_kind() -> None:
    """An active theft and an open lien are still dangers."""
    assert event_kind("Active Theft") == "theft"
    assert event_kind("Open Lien") == "lien"
    assert event_kind("Lien") == "lien"


def test_a_released_lien_cached_as_a_lien_reads_as_information() -> None:
    """An answer cached before released liens were told apart loads as information only."""
    old = check(TheftEvent(name="Lien Released", kind="lien"))
    loaded = load_check(dump_check(old))
    assert loaded is not None
    assert [e.kind for e in loaded.theft.events] == ["other"]  # type: ignore[union-attr]


def test_dangers_each_give_a_next_step() -> None:
    """Theft, lien, write-off, brand, mileage, VIN change and export each say what to do."""
    export = TheftEvent(name="Exported", kind="export", location="NJ")
    records = (
        TITLE,
        TitleRecord("history", dt.date(2022, 1, 2), "OH", odometer=20_000),
        SALVAGE,
        ODD_BRAND,
    )
    text = texts.render_check(
        EN, check(STOLEN_EVENT, LIEN, export, records=records, vin_changed=True)
    )
    assert "Don't pay for it or confront the seller; tell the police" in text
    assert "a loan is still recorded on this car, so the lender can claim it" in text
    assert "(a lien release), or pay the lender directly" in text
    assert "⚠️ <b>Written off or badly damaged</b> (salvage, total loss" in text
    assert (
        "⚠️ <b>Title brand</b> (a permanent note on the title): Feb 3, 2023 · PRIOR POLICE · TX. "
        "Ask the seller what it means for this car." in text
    )
    assert (
        "⚠️ <b>Mileage went down</b>: 40,000 miles on Jan 2, 2020, then 20,000 miles on Jan 2, 2022."
        in text
    )
    assert "or a record has a typo" in text
    assert "⚠️ <b>VIN changed</b>: NMVTIS records a change of VIN" in text
    assert "If this car is for sale in the US, check that the VIN on the car" in text
    order = ["Active Theft", "Open Lien", "Written off", "Title brand", "Mileage", "Exported"]
    assert [text.index(word) for word in order] == sorted(text.index(word) for word in order)


def test_write_off_advice_follows_the_group_once() -> None:
    """Several write-off records get the worth-and-insurance advice once, right after them."""
    lines = texts.render_check(EN, check(records=(TITLE, SALVAGE, FLOOD, LEMON))).split("\n")
    written_off = [n for n, line in enumerate(lines) if "Written off" in line]
    assert len(written_off) == 3
    assert lines.count(texts.write_off_advice(EN)) == 1
    assert lines.index(texts.write_off_advice(EN)) == written_off[-1] + 1


def test_an_empty_nmvtis_answer_does_not_read_like_a_clean_car() -> None:
    """No title records at all is said once, with what to ask for, and no "no salvage"."""
    text = texts.render_check(EN, check(records=()))
    assert text.count(texts.no_title_records(EN)) == 1
    assert "No salvage" not in text
    assert "No title records found." not in text
    assert "Title history" not in text


def test_only_a_complete_answer_promises_a_free_repeat() -> None:
    """The free-again line comes with a complete answer; a partial one says to wait."""
    complete = texts.render_check(EN, check())
    assert (
        "<i>Checked Dec 5, 2026 1:00\u202fAM UTC. Asking again before Dec 5, 2026 7:00\u202fAM UTC "
        "shows this answer for free.</i>"
    ) in complete
    partial = texts.render_check(EN, check(theft=False))
    assert "for free" not in partial
    assert (
        "⚠️ The lien and theft records couldn't be reached just now, so this answer doesn't "
        "include them. Checking again uses 2 paid lookups again, so wait a few minutes first."
    ) in partial


def test_the_pdf_summary_writes_words_for_the_markers() -> None:
    """The PDF's lines have no ⛔ or ⚠️ (its font lacks them): STOLEN and Warning instead."""
    towed = TheftEvent(name="Towed", kind="impound")
    summary = texts.title_check_summary(
        EN, check(STOLEN_EVENT, LIEN, towed, records=(TITLE, SALVAGE))
    )
    assert summary.danger[0].startswith("STOLEN – Active Theft (OH): this car is reported")
    assert summary.danger[1].startswith("Warning: Open Lien (TX), held by Acme Credit")
    assert texts.write_off_advice(EN) in summary.danger
    everything = "".join((*summary.danger, *summary.lines, summary.coverage or ""))
    assert "⛔" not in everything
    assert "⚠" not in everything
    assert "📌" not in everything
    assert "Note: Towed." in summary.lines
    assert "<" not in everything
    assert summary.coverage is not None
    assert summary.coverage.startswith("What this covers: US lien and theft reports")
    assert all("What this covers" not in line for line in summary.lines)


def test_the_offer_says_what_pressing_costs() -> None:
    """The offer says which button spends what, that nothing is spent before, and for how long."""
    text = texts.render_offer(EN, Offer(HONDA, 2, 5, "user_daily"))
    assert texts.sources(EN) in text
    assert (
        "Pressing ✅ Check below uses 2 of your 5 paid lookups left today. Nothing is spent "
        "until you press it, and the answer can then be shown again for free for 6 hours."
    ) in text
    grouped = texts.render_offer(EN, Offer(HONDA, 2, 5, "user_daily"), "Ann & Bo")
    assert "uses 2 of the 5 paid lookups Ann &amp; Bo can still make today" in grouped
    monthly = texts.render_offer(EN, Offer(HONDA, 2, 1, "bot_monthly"))
    assert "Paid lookups come back at the start of next month (UTC)." in monthly


def test_the_group_offer_with_nothing_left_says_none_not_only_0() -> None:
    """A group member with no paid lookups left today is told they have none, never that they
    "can make only 0 more"; one left still reads "only 1 more"."""
    none_left = texts.render_offer(EN, Offer(HONDA, 2, 0, "user_daily"), "Ann")
    assert (
        "A check needs 2 paid lookups, so I can't run it now: Ann has no paid lookups left "
        "today. The quota resets at midnight UTC."
    ) in none_left
    assert "only 0" not in none_left
    one_left = texts.render_offer(EN, Offer(HONDA, 2, 1, "user_daily"), "Ann")
    assert "Ann can make only 1 more today" in one_left


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_language_words_no_lookups_left_without_a_zero(language: str) -> None:
    """In every language a group member with none left is named and told so without a "0"."""
    none_left = texts.render_offer(words_in(language), Offer(HONDA, 2, 0, "user_daily"), "Ann")
    assert "Ann" in none_left
    assert not set(none_left.replace(HONDA, "")) & {"0", "\u0660"}  # no 0, ASCII or Arabic


@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_askers_name_cannot_turn_the_rest_of_the_offer_around(language: str) -> None:
    """Direction overrides and isolates in a group member's name are left out of the offer, so
    the name cannot reverse or reorder the bot's words after it (the name itself stays)."""
    name = "\u2069\u202eMallory\u2066"
    text = texts.render_offer(words_in(language), Offer(HONDA, 2, 5, "user_daily"), name)
    assert "Mallory" in text
    assert "\u202e" not in text
    assert "\u2069Mallory" not in text
    assert "Mallory\u2066" not in text


def test_the_refusal_says_why_and_that_nothing_was_spent() -> None:
    """✅ past a quota names which quota, says nothing was spent and when it comes back."""
    daily = texts.refused(EN, QuotaDecision(allowed=False, reason="user_daily", resets_at=RESET))
    assert daily == (
        "I didn't run the check: it needs 2 paid lookups and you have fewer than 2 left today. "
        "Nothing was spent. Your quota resets Dec 6, 2026 12:00\u202fAM UTC."
    )
    monthly = texts.refused(EN, QuotaDecision(allowed=False, reason="bot_monthly", resets_at=RESET))
    assert monthly == (
        "I didn't run the check: this bot has fewer than 2 paid lookups left this month. "
        "Nothing was spent. They're back Dec 6, 2026 12:00\u202fAM UTC."
    )


def test_a_vin_not_for_the_us_is_explained() -> None:
    """The refusal of a non-US VIN says what the VIN lacks and that nothing was spent."""
    text = texts.not_us_market(EN, "WVWZZZ1KZAW123456", "Germany", None)
    assert "a check digit (the 9th character) that adds up and a maker code NHTSA knows" in text
    assert "lacks one of them (its maker code is from Germany)." in text
    assert text.endswith("so I didn't run it and nothing was spent.")


def test_the_confirm_button_names_its_cost() -> None:
    """The ✅ button says it uses paid lookups."""
    offer = Offer(HONDA, 2, 5, "user_daily")
    markup = texts.offer_keyboard(EN, CallbackCodec(b"secret"), offer, 1)
    assert markup is not None
    assert markup.inline_keyboard[0][0].text == "✅ Check (uses 2 paid lookups)"
