"""Words that read right in every language: RTL paragraphs, plural distances and periods, names
left in the nominative, Latin American money."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from tests.fakes.telegram.html import parse_html
from vinbot.cache import keys
from vinbot.formatters import report_pdf
from vinbot.formatters import title_check as texts
from vinbot.formatters.html import render_decode
from vinbot.formatters.messages import help_text
from vinbot.i18n import LANGUAGES, words_in
from vinbot.i18n.bidi import RIGHT_TO_LEFT_MARK, right_to_left_paragraphs
from vinbot.models.title_check import TitleCheck, TitleHistory, TitleRecord
from vinbot.models.vehicle import DecodeResult, VehicleSpec
from vinbot.models.vin import analyse
from vinbot.services.title_check import Offer

if TYPE_CHECKING:
    import pytest

HONDA = "1HGCM82633A004352"
RLM = RIGHT_TO_LEFT_MARK


SPEC = VehicleSpec(HONDA, "carsxe", year=2003, make="Honda", model="Accord", trim="EX")


def _honda() -> DecodeResult:
    """The Honda with an English warning from its provider."""
    warned = replace(SPEC, warnings=("Basic decode",))
    return DecodeResult(analysis=analyse(HONDA), spec=warned)


def test_arabic_lines_that_open_with_latin_words_are_marked_right_to_left() -> None:
    """In Arabic the decode's title ("2003 Honda Accord") and a provider's English warning open
    with an RTL mark, while lines that already start in Arabic are left alone."""
    lines = render_decode(words_in("ar"), _honda()).split("\n")
    assert lines[0].startswith(f"{RLM}🚗 <b>2003 Honda")
    assert lines[1].startswith("رقم")  # "VIN {vin}" starts with Arabic: no mark needed
    assert any(line == f"{RLM}⚠️ Basic decode" for line in lines)


def test_arabic_help_command_lines_read_right_to_left() -> None:
    """Each /help line starting with a command such as /vin is marked, so it is set right to
    left like the Arabic around it."""
    commands = [line for line in help_text(words_in("ar")).split("\n") if "/vin VIN —" in line]
    assert commands
    assert all(line.startswith(RLM) for line in commands)


def test_the_mark_stays_out_of_code_and_pre() -> None:
    """A VIN in <code> and every line of a <pre> block copy without an invisible character."""
    text = f"<code>{HONDA}</code>\n<pre>one\ntwo</pre>\nسيارة {HONDA}\n\n"
    assert right_to_left_paragraphs(text) == (
        f"{RLM}<code>{HONDA}</code>\n{RLM}<pre>one\ntwo</pre>\nسيارة {HONDA}\n\n"
    )
    arabic = render_decode(words_in("ar"), _honda())
    assert re.findall("<code>(.*?)</code>", arabic) == [HONDA]
    parse_html(arabic)  # still HTML Telegram accepts


def test_an_isolated_value_does_not_decide_a_lines_direction() -> None:
    """A line opening with an isolated Latin value (as Words fills placeholders) and going on in
    Arabic already reads right to left; a line of Latin only between isolates does not."""
    arabic = "\u2068Honda\u2069 سيارة"
    assert right_to_left_paragraphs(arabic) == arabic
    assert right_to_left_paragraphs("\u2068Honda\u2069 EX") == f"{RLM}\u2068Honda\u2069 EX"


def test_left_to_right_languages_get_no_marks() -> None:
    """Only Arabic output carries RTL marks."""
    for language in LANGUAGES:
        if language == "ar":
            continue
        words = words_in(language)
        assert RLM not in render_decode(words, _honda()) + help_text(words)


def _odometer_check(*readings: tuple[dt.date, int]) -> TitleCheck:
    records = tuple(TitleRecord("title", day, "OH", odometer=miles) for day, miles in readings)
    return TitleCheck(
        vin=HONDA,
        checked_at=dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC),
        theft=None,
        history=TitleHistory(records=records, vin_changed=None),
    )


def test_odometer_readings_take_the_plural_form_of_their_number() -> None:
    """A title record's mileage and a rollback's two readings are plurals: "21 миля", "2 мили",
    "5 миль" in Russian, "1 mile" in English."""
    check = _odometer_check((dt.date(2020, 1, 2), 21), (dt.date(2022, 1, 2), 2))
    russian = texts.render_check(words_in("ru"), check)
    assert "21 миля" in russian
    assert "2 мили" in russian
    assert " mi " not in russian
    one = _odometer_check((dt.date(2020, 1, 2), 1))
    assert "1 mile" in texts.render_check(words_in("en"), one)


def test_how_long_an_answer_is_kept_is_worded_in_the_case_its_sentence_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The period after "for the last" is accusative in Ukrainian and genitive in Polish, not the
    nominative of a standalone "1 година" / "1 godzina"."""
    monkeypatch.setattr(keys, "TITLE_CHECK_TTL", 3600)
    monkeypatch.setattr(keys, "RECALLS_TTL", 3600)
    monkeypatch.setattr(keys, "SPEC_TTL", 86400)
    assert "за останню 1 годину" in report_pdf.title_check_missing(words_in("uk"))
    assert "z ostatniej 1 godziny" in report_pdf.recalls_missing(words_in("pl"))
    assert "за последний 1 день" in report_pdf.decode_missing(words_in("ru"))
    assert "No decode from the last 1 day:" in report_pdf.decode_missing(words_in("en"))


def test_the_askers_name_stays_in_the_nominative() -> None:
    """A first name cannot be declined, so Russian never puts it after a preposition that needs
    the genitive: the name is the subject of its clause."""
    russian = words_in("ru")
    offer = texts.render_offer(russian, Offer(HONDA, 2, 5, "user_daily"), "Анна")
    assert "которые Анна ещё может сделать сегодня" in offer
    refused = texts.render_offer(russian, Offer(HONDA, 2, 1, "user_daily"), "Анна")
    assert "Анна может сделать сегодня ещё только 1 запрос" in refused
    assert "у Анна" not in offer + refused


def test_spanish_money_is_latin_american_with_a_us_dollar_sign() -> None:
    """Spanish readers get "US$26,400" and "85,000" (CLDR es_419), not Spain's "26.400 US$"."""
    spanish = words_in("es")
    assert spanish.money(26400) == "US$26,400"
    assert spanish.money(12.5) == "US$12.50"
    assert spanish.number(85000) == "85,000"
