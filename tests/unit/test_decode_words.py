"""The decode's words: reason codes, notes, money, the offline-only keyboard and Arabic isolates."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest

from vinbot.clients.offline import BASIC_DECODE_WARNING
from vinbot.formatters import units
from vinbot.formatters.html import render_decode, render_invalid
from vinbot.formatters.inline import explain
from vinbot.formatters.keyboards import decode_keyboard, sample_keyboard, suggestion_keyboard
from vinbot.formatters.messages import help_text, no_vin_hint, too_many_vins, welcome
from vinbot.formatters.vin_words import decode_note, vin_problem
from vinbot.i18n import words_in
from vinbot.models.callback import CallbackAction, CallbackCodec
from vinbot.models.vehicle import DecodeNote, DecodeResult, VehicleSpec
from vinbot.models.vin import Found, VinProblem, analyse

HONDA = "1HGCM82633A004352"
VOLVO = "YV1MW385992465966"
EN = words_in("en")
LANGUAGES = ("en", "ru", "uk", "es", "pt_BR", "tr", "ar", "pl")
LTR_ISOLATE, FIRST_STRONG_ISOLATE, POP_ISOLATE = "\u2066", "\u2068", "\u2069"

# One of each reason code, with the parameters its words must show.
PROBLEMS = {
    VinProblem("length", length=16): ["16"],
    VinProblem("length", length=0): [],
    VinProblem("confusable_letters", found=(Found("O", 12), Found("O", 13))): ["12", "13"],
    VinProblem("foreign_characters", found=(Found("*", 9),), more=2): ["*", "9", "2"],
    VinProblem("foreign_characters", found=(Found("\t", 4),)): ["U+0009", "4"],
    VinProblem("check_digit", expected="5", actual="3"): ["5", "3"],
    VinProblem("check_digit_outside_na", expected="X", actual="8"): ["X", "8"],
    VinProblem("short_identifier"): ["1981"],
    VinProblem("year_code", actual="U"): ["U"],
    VinProblem("future_year", year=2030): ["2030"],
}
NOTES = {
    DecodeNote("late", providers=("carsxe", "nhtsa"), answered="offline"): ["CarsXE", "NHTSA"],
    DecodeNote("late", providers=("carsxe",), answered="nhtsa"): ["CarsXE", "NHTSA"],
    DecodeNote("failed", providers=("nhtsa",), answered="offline"): ["NHTSA"],
    DecodeNote("failed", providers=("carsxe",), answered="nhtsa"): ["CarsXE", "NHTSA"],
    DecodeNote("no_data"): [],
    DecodeNote("us_market"): ["NHTSA"],
    DecodeNote("quota", quota="user_daily"): [],
    DecodeNote("quota", quota="bot_monthly", resets_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)): [
        "UTC"
    ],
}


class _Tags(HTMLParser):
    """Checks that tags open and close in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack.pop() == tag


def balanced(html: str) -> bool:
    """Whether every tag in the HTML is closed in order."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return not parser.stack


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("problem", list(PROBLEMS), ids=lambda p: p.code)
def test_every_reason_code_is_worded_with_its_parameters(
    language: str, problem: VinProblem
) -> None:
    """Each reason code becomes a sentence with its position, characters and digits filled in."""
    text = vin_problem(words_in(language), problem)
    assert text
    assert "{" not in text
    for shown in PROBLEMS[problem]:
        assert shown in text


def test_english_reasons_read_as_before() -> None:
    """The English sentences are the ones users have always read."""
    assert vin_problem(EN, VinProblem("length", length=0)) == (
        "A VIN has 17 characters; this has none."
    )
    confusable = VinProblem("confusable_letters", found=(Found("I", 1), Found("Q", 12)))
    assert vin_problem(EN, confusable).endswith("this has I at position 1 and Q at position 12.")
    foreign = VinProblem("foreign_characters", found=(Found("*", 9), Found("!", 10)), more=2)
    assert vin_problem(EN, foreign).endswith(
        "this has '*' at position 9, '!' at position 10 and 2 more."
    )


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("note", list(NOTES), ids=lambda n: n.code)
def test_every_decode_note_is_worded(language: str, note: DecodeNote) -> None:
    """Each decode note becomes a sentence naming the providers and times it carries."""
    text = decode_note(words_in(language), note)
    assert text
    assert "{" not in text
    for shown in NOTES[note]:
        assert shown in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "$26,400"), ("ru", "26\xa0400\xa0$"), ("pt_BR", "US$\xa026.400"), ("ar", "26,400")],
)
def test_money_is_formatted_the_local_way(language: str, expected: str) -> None:
    """A dollar amount reads the reader's way: "$26,400", "26 400 $", "US$ 26.400"."""
    assert expected in units.money(words_in(language), "26400")


def test_msrp_invoice_and_delivery_are_all_money() -> None:
    """Invoice and delivery charges are formatted like the MSRP, never as bare numbers."""
    spec = VehicleSpec(
        vin=HONDA,
        source="carsxe",
        make="Honda",
        model="Accord",
        attributes={"msrp_usd": "26400", "invoice_usd": "24288", "delivery_charges_usd": "995"},
    )
    html = render_decode(EN, DecodeResult(analysis=analyse(HONDA), spec=spec), expanded=True)
    assert "<b>MSRP:</b> $26,400" in html
    assert "<b>Invoice:</b> $24,288" in html
    assert "<b>Delivery charges:</b> $995" in html


def test_invalid_vin_hint_has_no_line_break_inside_its_sentence() -> None:
    """The hint about where to find a VIN is one line, not broken after "dashboard"."""
    html = render_invalid(EN, analyse("1HGCM82633AOO4352"))
    assert "usually on the dashboard by the windscreen" in html


def _offline_result(*, unavailable: tuple[str, ...] = ()) -> DecodeResult:
    analysis = analyse(VOLVO)
    spec = VehicleSpec(vin=VOLVO, source="offline", make="Volvo", warnings=(BASIC_DECODE_WARNING,))
    notes = () if unavailable else (DecodeNote("no_data"),)
    return DecodeResult(
        analysis=analysis,
        spec=spec,
        notes=notes,
        unavailable=unavailable,  # type: ignore[arg-type]
    )


def _actions(markup: object) -> list[CallbackAction | None]:
    codec = CallbackCodec(b"secret")
    found = [codec.decode(str(b.callback_data)) for row in markup.inline_keyboard for b in row]  # type: ignore[attr-defined]
    return [c.action if c else None for c in found]


def test_offline_only_decode_offers_no_full_specs_nor_market_value() -> None:
    """When no provider has the car, the buttons that could add nothing are left out."""
    codec = CallbackCodec(b"secret")
    result = _offline_result()
    assert result.offline_only
    markup = decode_keyboard(
        EN, codec, result.analysis, expanded=False, market_value=True, offline_only=True
    )
    actions = _actions(markup)
    assert CallbackAction.SPECS not in actions
    assert CallbackAction.VALUE not in actions
    assert CallbackAction.RECALLS in actions
    assert CallbackAction.SAVE in actions
    assert CallbackAction.REPORT in actions
    assert all(row for row in markup.inline_keyboard)


def test_offline_only_answer_says_why_the_buttons_are_missing() -> None:
    """The answer says once that no service has the car, so no full specs or market value."""
    html = render_decode(EN, _offline_result(), market_value=True)
    assert "there are no full specs or market value to show" in html
    assert html.count("No decoding service has data for this VIN") == 1
    assert "no vehicle database was consulted" not in html
    plain = render_decode(EN, _offline_result(), market_value=False)
    assert "there are no full specs to show" in plain


def test_an_outage_is_not_offline_only() -> None:
    """An offline answer because providers failed keeps its buttons: asking later may work."""
    result = _offline_result(unavailable=("carsxe",))
    assert not result.offline_only
    markup = decode_keyboard(
        EN, CallbackCodec(b"secret"), result.analysis, expanded=False, market_value=True
    )
    assert CallbackAction.SPECS in _actions(markup)
    assert "no full specs" not in render_decode(EN, result, market_value=True)


def test_arabic_keeps_a_vin_left_to_right() -> None:
    """In Arabic a VIN in a sentence or a button label sits inside a Unicode isolate."""
    ar = words_in("ar")
    html = render_invalid(ar, analyse("1HGCM82633AOO4352"))
    assert f"{FIRST_STRONG_ISOLATE}<code>1HGCM82633AOO4352</code>{POP_ISOLATE}" in html
    label = suggestion_keyboard(ar, CallbackCodec(b"secret"), HONDA).inline_keyboard[0][0].text
    assert f"{LTR_ISOLATE}{HONDA}{POP_ISOLATE}" in label
    sample = sample_keyboard(ar, CallbackCodec(b"secret")).inline_keyboard[0][0].text
    assert f"{LTR_ISOLATE}{HONDA}{POP_ISOLATE}" in sample
    english = suggestion_keyboard(EN, CallbackCodec(b"secret"), HONDA).inline_keyboard[0][0].text
    assert english == f"🔎 Decode {HONDA}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_decode_texts_render_in_every_language(language: str) -> None:
    """Every decode text renders balanced HTML in every language, placeholders filled."""
    words = words_in(language)
    spec = VehicleSpec(
        vin=HONDA,
        source="nhtsa",
        year=2003,
        make="Honda",
        attributes={"engine": "3.0L", "engine_hp": "240", "doors": "4", "body": "Sedan"},
    )
    result = DecodeResult(analysis=analyse(HONDA), spec=spec, notes=(DecodeNote("us_market"),))
    texts = [
        render_decode(words, result, expanded=True),
        render_decode(words, _offline_result(), market_value=True),
        render_invalid(words, analyse("1HG!!!!!!!A0O4352")),
        welcome(words),
        help_text(words),
        no_vin_hint(words),
        too_many_vins(words, 2),
    ]
    for text in texts:
        assert balanced(text)
        assert "{" not in text
    title, description = explain(words, analyse("1HGCM82633AOO4352"))
    assert title
    assert description


def test_english_decode_texts_keep_their_wording() -> None:
    """The English welcome, help and decode rows read as they always have."""
    assert welcome(EN).startswith("👋 <b>Hi! I decode Vehicle Identification Numbers.</b>\n\n")
    assert "up to 3 VINs per message" in help_text(EN)
    assert "/history — your last 10 VINs (re-open them for free)" in help_text(EN)
    spec = VehicleSpec(
        vin=HONDA,
        source="carsxe",
        make="Honda",
        attributes={"engine": "3.0L", "engine_hp": "240", "doors": "4", "body": "Sedan"},
    )
    html = render_decode(EN, DecodeResult(analysis=analyse(HONDA), spec=spec))
    assert "<b>Engine:</b> 3.0L, 240 hp" in html
    assert "<b>Body:</b> Sedan, 4 doors" in html
    assert "<i>Source: CarsXE</i>" in html
