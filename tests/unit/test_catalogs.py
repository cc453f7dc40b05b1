"""The translations: every message in every language, with its placeholders, tags and plurals."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tests.catalog_checks import REPO, catalog_problems, message_problems, source_messages
from tests.fakes.telegram.html import HtmlParseError, parse_html
from vinbot.i18n import LANGUAGES
from vinbot.i18n.catalogs import po_path

TRANSLATED = [language for language in LANGUAGES if language != "en"]
POT = REPO / "vinbot" / "locales" / "vinbot.pot"


@pytest.fixture(scope="module")
def source() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """The message ids in the code, extracted the way `make messages` does."""
    return source_messages()


def test_the_template_holds_exactly_the_messages_of_the_code(
    source: dict[tuple[str | None, str], tuple[str, ...]],
) -> None:
    """vinbot.pot is current: a message added or changed in the code without `make messages`
    fails here."""
    with POT.open("rb") as template:
        catalog = read_po(template)
    in_template = {
        (message.context, message.id if isinstance(message.id, str) else message.id[0])
        for message in catalog
        if message.id
    }
    assert set(source) == in_template


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders_and_tags(
    language: str, source: dict[tuple[str | None, str], tuple[str, ...]]
) -> None:
    """Each catalog translates every message of the code, keeps its {placeholders} and HTML
    tags, and has every plural form the language needs."""
    with po_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    assert catalog_problems(catalog, source) == []


def _catalog_with(
    language: str, msgid: str | tuple[str, str], string: str | tuple[str, ...]
) -> Catalog:
    catalog = Catalog(locale=language)
    catalog.add(msgid, string)
    return catalog


@pytest.mark.parametrize(
    ("msgid", "translation", "problem"),
    [
        ("Wait {seconds} s.", "Подождите {секунды} с.", "placeholders"),
        ("Wait {seconds} s.", "Подождите с.", "placeholders"),
        ("<b>VIN</b> {vin}", "<i>VIN</i> {vin}", "HTML tags"),
        ("<b>VIN</b> {vin}", "VIN {vin}", "HTML tags"),
        ("Hello", "", "not translated"),
    ],
)
def test_a_broken_translation_is_reported(msgid: str, translation: str, problem: str) -> None:
    """The checks catch a renamed or lost placeholder, changed tags and a missing translation."""
    catalog = _catalog_with("ru", msgid, translation)
    message = catalog.get(msgid)
    assert message is not None
    assert any(problem in found for found in message_problems(message, catalog.num_plurals))


def test_a_russian_plural_must_show_the_number_in_every_form() -> None:
    """Russian's first form also serves 21 and 31, so it cannot leave {count} out; Arabic's
    "one" form serves only 1 and may."""
    russian = _catalog_with(
        "ru", ("{count} VIN", "{count} VINs"), ("VIN", "{count} VIN", "{count} VIN")
    )
    arabic = _catalog_with(
        "ar",
        ("{count} VIN", "{count} VINs"),
        ("لا VIN", "VIN واحد", "VINان", "{count} VIN", "{count} VIN", "{count} VIN"),
    )
    assert catalog_problems(russian, {(None, "{count} VIN"): ("{count} VIN", "{count} VINs")})
    assert not catalog_problems(arabic, {(None, "{count} VIN"): ("{count} VIN", "{count} VINs")})


def test_a_catalog_without_every_plural_form_is_reported() -> None:
    """A Polish plural with two forms instead of three is reported."""
    polish = _catalog_with("pl", ("{count} VIN", "{count} VINs"), ("{count} VIN", "{count} VIN-y"))
    problems = catalog_problems(polish, {(None, "{count} VIN"): ("{count} VIN", "{count} VINs")})
    assert any("plural forms" in problem for problem in problems)


class _Filled(dict[str, str]):
    """Placeholder values for a check: every {name} becomes a short plain word."""

    def __missing__(self, key: str) -> str:
        return "x"


def _parses(text: str) -> bool:
    try:
        parse_html(text.format_map(_Filled()))
    except (HtmlParseError, ValueError):
        return False
    return True


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_is_html_telegram_accepts(
    language: str, source: dict[tuple[str | None, str], tuple[str, ...]]
) -> None:
    """Each translated message, placeholders filled, passes the fake Bot API's HTML parser
    wherever its English source does (an unescaped "<" or a tag left open would not)."""
    with po_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    broken = []
    for (context, msgid), forms in source.items():
        message = catalog.get(msgid, context)
        if message is None or not _parses(forms[0]):
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        broken += [text for text in strings if text and not _parses(text)]
    assert broken == []
