"""The languages vinbot speaks, and which one a person gets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from vinbot.models.records import Units

DEFAULT_LANGUAGE: Final = "en"

# gettext names (the folder under vinbot/locales), each with the name a reader knows it by.
LANGUAGES: Final[dict[str, str]] = {
    "en": "English",
    "ru": "Русский",
    "uk": "Українська",
    "es": "Español",
    "pt_BR": "Português (Brasil)",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
}
RIGHT_TO_LEFT: Final = frozenset({"ar"})

# Telegram's language_code is an IETF tag ("ru", "pt-br", "es-419"); only the language counts,
# except that every Portuguese reader gets the Brazilian catalog (the only Portuguese one).
_BY_PRIMARY_TAG: Final = {code.split("_")[0].lower(): code for code in LANGUAGES}

# Miles and mpg where they are the local units; Telegram's English interface sends plain "en"
# for every English reader, and most of them decode US cars, so plain "en" counts as American.
_IMPERIAL_TAGS: Final = frozenset({"en", "en-us"})


def supported(code: str | None) -> str | None:
    """The catalog for a Telegram language_code or a stored choice; None when vinbot lacks it."""
    if not code:
        return None
    if code in LANGUAGES:
        return code
    primary = code.replace("_", "-").split("-", 1)[0].lower()
    return _BY_PRIMARY_TAG.get(primary)


def resolve_language(picked: str | None, language_code: str | None) -> str:
    """The language to answer in: the one picked in /settings, else Telegram's, else English."""
    return supported(picked) or supported(language_code) or DEFAULT_LANGUAGE


def default_units(language_code: str | None) -> Units:
    """Units for someone who has not picked any: imperial for American English, else metric."""
    tag = (language_code or "").replace("_", "-").lower()
    return "imperial" if tag in _IMPERIAL_TAGS else "metric"
