"""The i18n core: which language a reader gets, and how Words fills and formats."""

from __future__ import annotations

import datetime as dt

import pytest

from vinbot.i18n import default_units, resolve_language, words_in
from vinbot.i18n.words import Words

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


@pytest.mark.parametrize(
    ("picked", "telegram", "expected"),
    [
        ("uk", "ru", "uk"),
        (None, "pt-br", "pt_BR"),
        (None, "pt", "pt_BR"),
        (None, "es-419", "es"),
        (None, "RU", "ru"),
        (None, "de", "en"),
        (None, None, "en"),
        ("xx", "tr", "tr"),
    ],
)
def test_the_pick_wins_then_telegram_then_english(
    picked: str | None, telegram: str | None, expected: str
) -> None:
    """A language picked in /settings wins, then Telegram's language_code, then English."""
    assert resolve_language(picked, telegram) == expected


@pytest.mark.parametrize(
    ("telegram", "units"),
    [
        ("en", "imperial"),
        ("en-US", "imperial"),
        ("en-GB", "metric"),
        ("ru", "metric"),
        (None, "metric"),
    ],
)
def test_units_follow_the_locale(telegram: str | None, units: str) -> None:
    """Miles for American English (and plain "en"), kilometres everywhere else."""
    assert default_units(telegram) == units


def test_money_is_written_the_local_way_with_cents_only_when_there_are_any() -> None:
    """$26,400 in English, with a space group and the sign after in Russian, cents kept."""
    assert words_in("en").money(26400) == "$26,400"
    assert words_in("en").money(12.5) == "$12.50"
    assert words_in("ru").money(26400) == "26\xa0400\xa0$"
    assert words_in("pt_BR").money(12500) == "US$\xa012.500"


def test_numbers_in_placeholders_are_formatted_for_the_reader() -> None:
    """An int given as a value is grouped the reader's way."""
    assert words_in("en").t("{km} km", km=85000) == "85,000 km"
    assert words_in("tr").t("{km} km", km=85000) == "85.000 km"


def test_a_translation_with_a_broken_placeholder_falls_back_to_english() -> None:
    """A catalog whose placeholder was renamed still gives the reader a whole answer."""
    words = Words("ru")

    class Broken:
        def gettext(self, message: str) -> str:
            return "Подождите {секунды} с" if message.startswith("Wait") else message

    words._translations = Broken()  # type: ignore[assignment]
    assert words.t("Wait {seconds} s", seconds=5) == "Wait 5 s"


def test_arabic_isolates_values_but_not_inside_code() -> None:
    """In Arabic a value reads in its own direction, and a VIN in <code> copies without
    invisible characters."""
    arabic = words_in("ar")
    assert arabic.t("{n} x", n=5) == f"{FSI}5{PDI} x"
    assert arabic.t("<code>{vin}</code>", vin="1HGCM82633A004352") == (
        f"{FSI}<code>1HGCM82633A004352</code>{PDI}"
    )
    assert arabic.ltr("P0420") == f"{LRI}P0420{PDI}"
    assert words_in("en").ltr("P0420") == "P0420"


def test_plural_fills_count_and_dates_read_locally() -> None:
    """nt fills {count}; a moment is day, month, year and time the local way."""
    english = words_in("en")
    assert english.nt("{count} VIN", "{count} VINs", 1) == "1 VIN"
    assert english.nt("{count} VIN", "{count} VINs", 1200) == "1,200 VINs"
    assert (
        english.date_time(dt.datetime(2026, 12, 6, 0, 0, tzinfo=dt.UTC))
        == "Dec 6, 2026 12:00\u202fAM"
    )


def test_countries_and_regions_are_named_in_the_readers_language() -> None:
    """vinbot's English country and region names are shown from CLDR in the reader's language;
    English and unknown names stay as they are."""
    assert words_in("ru").place("Germany") == "Германия"
    assert words_in("uk").place("Europe") == "Європа"
    assert words_in("tr").place("Czech Republic") == "Çekya"
    assert words_in("en").place("Czech Republic") == "Czech Republic"
    assert words_in("ru").place("Atlantis") == "Atlantis"


def test_a_vin_isolated_twice_still_copies_clean_from_code() -> None:
    """A VIN already isolated with ltr() and then filled into <code> keeps every isolate outside
    the code, so a tap copies only the VIN."""
    arabic = words_in("ar")
    text = arabic.t("<code>{vin}</code>", vin=arabic.ltr("1HGCM82633A004352"))
    assert "<code>1HGCM82633A004352</code>" in text


def test_a_whole_number_is_formatted_by_babel_once_per_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each update's counts repeat: the second "85,000" in a language is not formatted again."""
    from vinbot.i18n import words  # noqa: PLC0415 - the module whose Babel call is counted

    calls: list[object] = []

    def counted(value: object, **options: object) -> str:
        calls.append(value)
        return str(value)

    monkeypatch.setattr(words, "format_decimal", counted)
    words._whole_number.cache_clear()  # earlier tests filled it
    english, russian = Words("en"), Words("ru")
    shown = [english.number(85_001), english.number(85_001), russian.number(85_001)]
    words._whole_number.cache_clear()  # later tests get Babel's own output
    assert shown == ["85001", "85001", "85001"]
    assert calls == [85_001, 85_001]
