"""Languages: which one a person reads, the gettext catalogs, and locale-aware numbers and money.

Formatters get a `Words` for the reader and never build text any other way:
`words.t("Please wait {seconds} s.", seconds=5)`; `words.nt(singular, plural, count)` for plurals;
`N_("…")` marks a constant for extraction, translated where it is shown with `words.t(CONSTANT)`.
"""

from vinbot.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, default_units, resolve_language
from vinbot.i18n.words import N_, Words, words_in

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "Words",
    "default_units",
    "resolve_language",
    "words_in",
]
