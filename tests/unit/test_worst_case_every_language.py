"""The longest answers in every language, with the worst provider data, still fit Telegram."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from tests.fakes.telegram.html import parse_html, utf16_length
from vinbot.formatters.html import CAPTION_LIMIT, render_decode
from vinbot.formatters.messages import help_text
from vinbot.i18n import LANGUAGES, words_in
from vinbot.models.vehicle import Attr, DecodeNote, DecodeResult, VehicleSpec
from vinbot.models.vin import analyse

HONDA = "1HGCM82633A004352"
# Provider text at its worst: long, markup characters, emoji, right-to-left and combining marks.
NASTY = "<b>&amp;</b> 🚗 \u202e" + "Ünïcödé é\u0301 شاشة " * 12
TEXT_LIMIT = 4096


def _worst_result() -> DecodeResult:
    numbers = {
        Attr.ENGINE_HP: "999",
        Attr.DOORS: "5",
        Attr.CITY_MPG: "99",
        Attr.HIGHWAY_MPG: "99",
        Attr.MSRP_USD: "1234567.89",
        Attr.CURB_WEIGHT_LB: "9999",
        Attr.FUEL_CAPACITY_GAL: "99.9",
        Attr.LENGTH_IN: "999.9",
        Attr.WIDTH_IN: "99.9",
        Attr.HEIGHT_IN: "99.9",
        Attr.WHEELBASE_IN: "999.9",
    }
    names = [value for key, value in vars(Attr).items() if key.isupper()]
    attributes = {name: numbers.get(name, NASTY) for name in names}
    attributes |= {f"extra_{index}": NASTY for index in range(30)}
    spec = VehicleSpec(
        vin=HONDA,
        source="carsxe",
        year=2003,
        make=NASTY,
        model=NASTY,
        trim=NASTY,
        attributes=attributes,
        warnings=(NASTY, NASTY),
    )
    resets = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    notes = (
        DecodeNote("late", providers=("carsxe", "nhtsa"), answered="offline"),
        DecodeNote("quota", quota="user_daily", resets_at=resets),
        DecodeNote("us_market"),
    )
    return DecodeResult(analysis=analyse(HONDA), spec=spec, notes=notes)


def _fits(html: str, limit: int) -> None:
    text, _entities = parse_html(html)
    assert utf16_length(text.strip()) <= limit


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_fullest_decode_fits_a_message_and_a_caption(language: str) -> None:
    """Full specs with every field at its longest, three notes and markup in provider data are
    valid Telegram HTML within 4,096 characters, and the summary within a 1,024-character
    caption, in every language and both units."""
    words = words_in(language)
    result = _worst_result()
    for units in ("metric", "imperial"):
        _fits(
            render_decode(words, result, expanded=True, units=units, market_value=True), TEXT_LIMIT
        )
        _fits(render_decode(words, result, units=units, limit=CAPTION_LIMIT), CAPTION_LIMIT)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_help_fits_one_message(language: str) -> None:
    """/help, the longest fixed text, is valid HTML within one message in every language."""
    _fits(help_text(words_in(language)), TEXT_LIMIT)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_decode_of_astral_characters_fits_telegrams_utf16_limit(language: str) -> None:
    """Provider values made of emoji (two UTF-16 units each, as Telegram counts) still give a
    decode within 4,096 units and a caption within 1,024."""
    result = _worst_result()
    astral = {
        name: value if value.replace(".", "").isdigit() else "🚗" * 300
        for name, value in result.spec.attributes.items()
    }
    result = replace(result, spec=replace(result.spec, attributes=astral, make="𝔸" * 300))
    words = words_in(language)
    _fits(render_decode(words, result, expanded=True, units="metric"), TEXT_LIMIT)
    _fits(render_decode(words, result, units="metric", limit=CAPTION_LIMIT), CAPTION_LIMIT)
