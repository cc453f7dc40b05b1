"""`Words`: one reader's language — translated messages, plurals, numbers, money and dates."""

from __future__ import annotations

import copy
import functools
import re
from typing import TYPE_CHECKING, Final

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from vinbot.i18n.bidi import right_to_left_paragraphs
from vinbot.i18n.catalogs import translations
from vinbot.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, RIGHT_TO_LEFT

if TYPE_CHECKING:
    import datetime as dt
    import gettext

# Unicode isolates: in right-to-left text a VIN, a number or a code keeps its own direction and
# does not drag the punctuation around it to the wrong side.
_FIRST_STRONG_ISOLATE: Final = "\u2068"
_LEFT_TO_RIGHT_ISOLATE: Final = "\u2066"
_POP_DIRECTIONAL_ISOLATE: Final = "\u2069"

_OPENING_ISOLATES_IN_CODE: Final = re.compile("<code>([\u2066\u2067\u2068]+)")
_CLOSING_ISOLATES_IN_CODE: Final = re.compile("(\u2069+)</code>")

# The locale behind each catalog (the catalogs are per language; numbers need a region).
# Spanish readers are mostly in Latin America and the US, reading US prices: Latin American
# Spanish (CLDR es_419: "85,000", "US$26,400"), not Spain's "85.000" and "26.400 US$".
_BABEL_LOCALES: Final = {"en": "en_US", "pt_BR": "pt_BR", "es": "es_419"}
# Where CLDR's symbol reads badly: es_419 writes "USD26,400"; Latin America writes "US$" ("$"
# alone is the peso in Mexico, Argentina, Chile and Colombia).
_CURRENCY_SYMBOLS: Final = {("es", "USD"): "US$"}
# Country and region names in vinbot's own data that CLDR spells otherwise.
_PLACE_ALIASES: Final = {"Czech Republic": "CZ", "Turkey": "TR", "Trinidad and Tobago": "TT"}


@functools.cache
def _territory_codes() -> dict[str, str]:
    codes = {name: code for code, name in Locale.parse("en").territories.items()}
    return codes | _PLACE_ALIASES


@functools.cache
def _babel_locale(name: str) -> Locale:
    return Locale.parse(name)


@functools.lru_cache(maxsize=4096)
def _whole_number(locale_name: str, value: int) -> str:
    # Babel applies its pattern anew on every call (~6 us: Decimal quantizing, regexes), and a
    # reply's counts, years and mileages repeat from one update to the next.
    return format_decimal(value, locale=_babel_locale(locale_name))


def N_(message: str) -> str:  # noqa: N802 - the gettext name extraction tools look for
    """Mark a constant for extraction; it is translated where it is shown, by `Words.t`."""
    return message


class Words:
    """Everything a formatter needs to say something in one language."""

    __slots__ = ("_locale", "_translations", "language")

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._translations: gettext.NullTranslations = translations(self.language)
        self._locale = _babel_locale(_BABEL_LOCALES.get(self.language, self.language))

    @property
    def _date_format(self) -> str:
        # English keeps "Mar 5, 2024"; elsewhere the abbreviated month is often not in the case
        # a date needs (Polish "1 maj 2021" for "1 maja 2021"), so the month is written out.
        return "medium" if self.language == DEFAULT_LANGUAGE else "long"

    @property
    def right_to_left(self) -> bool:
        """Whether this language is written right to left."""
        return self.language in RIGHT_TO_LEFT

    def t(self, message: str, /, **values: object) -> str:
        """The message in this language, with {name} placeholders filled in."""
        return self._fill(self._translations.gettext(message), message, values)

    def nt(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """The singular or plural form for count, which also fills {count}."""
        template = self._translations.ngettext(singular, plural, count)
        english = singular if count == 1 else plural
        return self._fill(template, english, {"count": count, **values})

    def pt(self, context: str, message: str, /, **values: object) -> str:
        """A short message whose translation depends on where it is shown (a button, a label)."""
        return self._fill(self._translations.pgettext(context, message), message, values)

    def _fill(self, template: str, english: str, values: dict[str, object]) -> str:
        if not values:
            return template
        shown = {name: self._shown(value) for name, value in values.items()}
        try:
            text = template.format(**shown)
        except (KeyError, IndexError, ValueError):
            # A translation whose placeholders do not match (tests catch these) never costs
            # the reader the answer: they get the English one.
            text = english.format(**shown)
        if self.right_to_left:
            # Isolates belong around a <code> value, not in it: tapping it copies the VIN alone.
            text = _OPENING_ISOLATES_IN_CODE.sub(r"\1<code>", text)
            text = _CLOSING_ISOLATES_IN_CODE.sub(r"</code>\1", text)
        return text

    def _shown(self, value: object) -> str:
        if isinstance(value, bool):
            text = str(value)
        elif isinstance(value, int | float):
            text = self.number(value)
        else:
            text = str(value)
        if self.right_to_left and "\n" not in text:
            return f"{_FIRST_STRONG_ISOLATE}{text}{_POP_DIRECTIONAL_ISOLATE}"
        return text

    @property
    def comma(self) -> str:
        """What separates the items of a short list in this language ("، " in Arabic)."""
        return "، " if self.language == "ar" else ", "

    def ltr(self, text: str) -> str:
        """Text that always reads left to right (a VIN, a code) isolated inside this language."""
        if self.right_to_left:
            return f"{_LEFT_TO_RIGHT_ISOLATE}{text}{_POP_DIRECTIONAL_ISOLATE}"
        return text

    def paragraphs(self, text: str) -> str:
        """A whole reply (HTML, one paragraph a line) set in this language's direction: in Arabic
        a line opening with a VIN or Latin words gets a right-to-left mark."""
        return right_to_left_paragraphs(text) if self.right_to_left else text

    def number(self, value: float, digits: int = 0) -> str:
        """A number the local way: "85,000" in English, "85 000" in Russian, "85.000" in Turkish."""
        if isinstance(value, int) and digits == 0:
            return _whole_number(str(self._locale), value)
        pattern = f"#,##0.{'0' * digits}" if digits else "#,##0"
        return format_decimal(value, format=pattern, locale=self._locale)

    def money(self, amount: float, currency: str = "USD") -> str:
        """An amount the local way, cents only when there are any: "$26,400", "26 400 $"."""
        pattern = copy.copy(self._locale.currency_formats["standard"])
        symbol = _CURRENCY_SYMBOLS.get((self.language, currency))
        if symbol is not None:
            pattern.prefix = tuple(part.replace("¤", symbol) for part in pattern.prefix)
            pattern.suffix = tuple(part.replace("¤", symbol) for part in pattern.suffix)
        whole = float(amount).is_integer()
        if whole:
            pattern.frac_prec = (0, 0)
        shown: str = pattern.apply(
            amount, self._locale, currency=currency, currency_digits=not whole
        )
        return shown

    def date(self, value: dt.date) -> str:
        """A date the local way: "Mar 5, 2024" in English."""
        return format_date(value, format=self._date_format, locale=self._locale)

    def date_time(self, value: dt.datetime) -> str:
        """A moment the local way, to the minute: "Dec 6, 2026 12:00 AM" in English."""
        day = format_date(value, format=self._date_format, locale=self._locale)
        return f"{day} {format_time(value, format='short', locale=self._locale)}"

    def place(self, english_name: str) -> str:
        """A country or world region vinbot names in English ("Germany", "Europe"), in this
        language from CLDR; a name CLDR does not know is shown as it is."""
        code = _territory_codes().get(english_name)
        if code is None or self.language == DEFAULT_LANGUAGE:
            return english_name
        return str(self._locale.territories.get(code, english_name))

    def list_of(self, items: list[str]) -> str:
        """ "A, B and C" the local way."""
        from babel.lists import format_list  # noqa: PLC0415 - rarely needed

        return format_list(items, locale=self._locale)


@functools.cache
def words_in(language: str) -> Words:
    """The Words for a language (one per language, shared)."""
    return Words(language)


def preload_locale_data(language: str = DEFAULT_LANGUAGE) -> None:
    """Read CLDR's data for a language now (at start-up, off the event loop): Babel reads it on
    a locale's first number or date, tens of milliseconds that would otherwise hold up every
    update in the loop at the first reply."""
    words_in(language).number(0.5, digits=1)
