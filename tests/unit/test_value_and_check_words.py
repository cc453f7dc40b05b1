"""Every /value and /check message renders in Russian and Arabic: placeholders filled, valid
Telegram HTML, within the limits, numbers, money and dates the local way."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from tests.fakes.beyond import STOLEN_EVENT, market_value
from tests.fakes.telegram.html import parse_html
from vinbot.formatters import market_value as value_texts
from vinbot.formatters import title_check as check_texts
from vinbot.i18n import words_in
from vinbot.models.callback import CallbackAction, CallbackCodec
from vinbot.models.errors import InvalidCondition, InvalidMileage, InvalidRegion, RegionProblem
from vinbot.models.market_value import MarketValue, PriceRange
from vinbot.models.records import QuotaDecision
from vinbot.models.title_check import (
    LienTheftReport,
    TheftEvent,
    TitleCheck,
    TitleHistory,
    TitleRecord,
)
from vinbot.services.title_check import Offer

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.errors import InvalidInput
    from vinbot.models.records import QuotaReason

HONDA = "1HGCM82633A004352"
NOW = dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC)
RESET = dt.datetime(2026, 12, 6, 0, 0, tzinfo=dt.UTC)
LANGUAGES = ["en", "ru", "ar"]
CODEC = CallbackCodec(b"secret")
TELEGRAM_LIMIT = 4096
LONG = "W" * 400  # worst-case provider text: clipped, never over the limits


def checked(message: str, *, limit: int = TELEGRAM_LIMIT) -> str:
    """Assert a rendered message has no unfilled placeholder, parses as Telegram HTML and fits."""
    assert message.strip()
    assert "{" not in message
    assert "}" not in message
    text, _ = parse_html(message)
    assert len(text) <= limit
    return message


def every_value_message(words: Words) -> list[str]:
    """Every /value message, with every refusal and every input problem."""
    problems: list[InvalidInput] = [
        InvalidMileage("unreadable"),
        InvalidMileage("negative"),
        InvalidMileage("kilometres"),
        InvalidMileage("too_high", miles=3_000_000),
        InvalidMileage("too_high", miles=1),
        InvalidCondition("mint"),
        InvalidRegion(RegionProblem.STATE_UNKNOWN, country="US", state="ZZ"),
        InvalidRegion(RegionProblem.STATE_MISSING, country="US", state=None),
    ]
    decisions = [
        QuotaDecision(allowed=False, reason=reason, resets_at=resets_at)
        for reason in ("user_daily", "bot_monthly")
        for resets_at in (RESET, None)
    ]
    rough = PriceRange.of({"rough": 9000})
    return [
        value_texts.ask_mileage(words, HONDA),
        value_texts.ask_state(words),
        value_texts.ask_condition(words),
        value_texts.cancelled(words),
        value_texts.usage(words),
        value_texts.timed_out(words),
        value_texts.no_key(words),
        value_texts.not_found(words),
        value_texts.unavailable(words),
        *(value_texts.refused(words, decision) for decision in decisions),
        *(value_texts.ask_again(words, problem) for problem in problems),
        value_texts.render_market_value(words, market_value(state="CA", condition="clean")),
        value_texts.render_market_value(words, market_value()),
        value_texts.render_market_value(words, MarketValue(vin=HONDA, retail=rough)),
        value_texts.render_market_value(
            words, MarketValue(vin=HONDA, make=LONG, model=LONG, state="CA", mileage=1)
        ),
    ]


def a_check(
    *events: TheftEvent, records: tuple[TitleRecord, ...], parts: bool = True
) -> TitleCheck:
    """A check of the Honda with these events and records (no parts when `parts` is False)."""
    return TitleCheck(
        vin=HONDA,
        checked_at=NOW,
        theft=LienTheftReport(events=events) if parts else None,
        history=TitleHistory(records=records, vin_changed=True) if parts else None,
    )


EVENTS = (
    STOLEN_EVENT,
    TheftEvent("Open Lien", "lien", "TX", dt.date(2020, 1, 1), ("x",), lienholder=LONG),
    TheftEvent("Lien", "lien"),
    TheftEvent("Recovered Theft", "recovered", date=dt.date(2019, 1, 1)),
    TheftEvent("Exported", "export", location=LONG),
    TheftEvent("Towed", "impound", details=(LONG, LONG)),
)
RECORDS = (
    TitleRecord("title", dt.date(2020, 1, 2), "OH", odometer=40_000),
    TitleRecord("history", dt.date(2022, 1, 2), "OH", odometer=20_000, reported_by=LONG),
    TitleRecord("brand", dt.date(2021, 5, 1), "FL", "SALVAGE"),
    TitleRecord("brand", None, "TX", "PRIOR POLICE"),
    TitleRecord("insurance", None, None, None),
    TitleRecord("junk_salvage", dt.date(2021, 4, 1), LONG, LONG, LONG, 1),
)


def offers() -> list[tuple[Offer, str | None]]:
    """An offer for every quota case, alone and in a group."""
    cases: list[tuple[int | None, QuotaReason | None]] = [
        (None, None),
        (5, "user_daily"),
        (1, "user_daily"),
        (0, "user_daily"),
        (9, "bot_monthly"),
        (1, "bot_monthly"),
    ]
    return [
        (Offer(HONDA, 2, left, limit), asker)
        for left, limit in cases
        for asker in (None, "Ann & <Bo>")
    ]


def every_check_message(words: Words) -> list[str]:
    """Every /check message: the offer for each quota, each danger, each gap, each refusal."""
    decisions = [
        QuotaDecision(allowed=False, reason=reason, resets_at=resets_at)
        for reason in ("user_daily", "bot_monthly")
        for resets_at in (RESET, None)
    ]
    return [
        check_texts.usage(words),
        check_texts.no_key(words),
        check_texts.unavailable(words),
        check_texts.not_us_market(words, "WVWZZZ1KZAW123456", "Germany", None),
        check_texts.not_us_market(words, "WVWZZZ1KZAW123456", None, None),
        *(check_texts.refused(words, decision) for decision in decisions),
        *(check_texts.render_offer(words, offer, asker) for offer, asker in offers()),
        check_texts.render_check(words, a_check(*EVENTS, records=RECORDS)),
        check_texts.render_check(words, a_check(records=())),
        check_texts.render_check(words, a_check(records=(RECORDS[2],))),
        check_texts.render_check(words, a_check(records=(), parts=False)),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_value_message_renders(language: str) -> None:
    """Each /value message in this language is filled, valid HTML and within 4,096."""
    for message in every_value_message(words_in(language)):
        checked(message)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_check_message_renders(language: str) -> None:
    """Each /check message in this language is filled, valid HTML and within 4,096."""
    for message in every_check_message(words_in(language)):
        checked(message)


@pytest.mark.parametrize("language", LANGUAGES)
def test_buttons_and_alerts_render(language: str) -> None:
    """The /value and /check button labels are filled and the ✅ alert fits 200 characters."""
    words = words_in(language)
    markups = [
        value_texts.state_keyboard(words, CODEC),
        value_texts.condition_keyboard(words, CODEC),
        check_texts.offer_keyboard(words, CODEC, Offer(HONDA, 2, 5, "user_daily"), 1),
    ]
    labels = [b.text for m in markups if m is not None for row in m.inline_keyboard for b in row]
    assert len(labels) == 7
    assert all(label and "{" not in label for label in labels)
    assert check_texts.button(words)
    assert len(check_texts.not_your_check(words)) <= 200


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_summary_renders(language: str) -> None:
    """The PDF's plain lines in this language have no tags, markers or placeholders."""
    summary = check_texts.title_check_summary(words_in(language), a_check(*EVENTS, records=RECORDS))
    everything = "".join((summary.source, *summary.danger, *summary.lines, summary.coverage or ""))
    assert summary.danger
    assert "<" not in everything
    assert "{" not in everything
    assert "⛔" not in everything
    assert "⚠" not in everything


def test_russian_numbers_money_and_dates_are_local() -> None:
    """A Russian valuation and check write 85 000, 26 400 $ and Russian dates."""
    ru = words_in("ru")
    value = value_texts.render_market_value(ru, market_value())
    assert "85\xa0000" in value
    assert "\xa0$" in value
    assert "$" + "2" not in value
    text = check_texts.render_check(ru, a_check(records=RECORDS))
    assert "40\xa0000" in text
    assert "2020\u202f\u0433." in text  # the abbreviation of "year"


def test_arabic_isolates_values() -> None:
    """In Arabic each number and VIN in running text is isolated, so it reads left to right."""
    ar = words_in("ar")
    offer = check_texts.render_offer(ar, Offer(HONDA, 2, 5, "user_daily"))
    assert "\u20685\u2069" in offer
    assert f"\u2068<code>{HONDA}</code>\u2069" in offer
    too_high = value_texts.input_problem(ar, InvalidMileage("too_high", miles=3_000_000))
    assert "\u2068" in too_high


def test_english_inputs_and_money_are_unchanged() -> None:
    """In English the valuation still reads "For 85,000 miles, CA, clean condition" and "$"."""
    text = value_texts.render_market_value(
        words_in("en"), market_value(state="CA", condition="clean")
    )
    assert "<i>For 85,000 miles, CA, clean condition</i>" in text
    assert "<b>Original MSRP:</b> $" in text


def test_one_mile_is_singular() -> None:
    """A mileage of one is "1 mile", not "1 miles"."""
    problem = value_texts.input_problem(words_in("en"), InvalidMileage("too_high", miles=1))
    assert problem.startswith("1 mile is")


def test_value_buttons_are_signed() -> None:
    """Skip and the condition buttons carry signed data that decodes to their actions."""
    en = words_in("en")
    state = value_texts.state_keyboard(en, CODEC).inline_keyboard[0][0].callback_data
    decoded = CODEC.decode(state if isinstance(state, str) else None)
    assert decoded is not None
    assert decoded.action is CallbackAction.VALUE_STATE
    conditions = [
        (b.text, b.callback_data)
        for row in value_texts.condition_keyboard(en, CODEC).inline_keyboard
        for b in row
    ]
    payloads = []
    for _, data in conditions:
        callback = CODEC.decode(data if isinstance(data, str) else None)
        assert callback is not None
        assert callback.action is CallbackAction.VALUE_CONDITION
        payloads.append(callback.payload)
    assert payloads == ["excellent", "clean", "average", "rough", "skip"]
    assert [text for text, _ in conditions] == ["Excellent", "Clean", "Average", "Rough", "Skip"]
    assert CallbackCodec(b"other").decode(state if isinstance(state, str) else None) is None
