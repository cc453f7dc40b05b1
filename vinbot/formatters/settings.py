"""/settings: the language, units and recall alerts, with buttons to change them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.i18n import LANGUAGES
from vinbot.models.callback import CallbackAction

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.records import Units, UserSettings

# The payload of the button that drops the picked language (Telegram's decides again).
FOLLOW_TELEGRAM: Final = "auto"
_LANGUAGES_PER_ROW: Final = 2


def saved(words: Words) -> str:
    """A setting was changed (a toast)."""
    return words.t("Saved.")


def _language_line(words: Words, settings: UserSettings, telegram_language: str) -> str:
    if settings.language in LANGUAGES:
        # Translators: {language} is a language's own name, e.g. "Русский".
        return words.t("Language: {language}", language=LANGUAGES[settings.language])
    # Translators: {language} is a language's own name, taken from the user's Telegram app.
    return words.t("Language: {language} (as in Telegram)", language=LANGUAGES[telegram_language])


def _units_line(words: Words, settings: UserSettings, units: Units) -> str:
    if settings.units is None:
        if units == "metric":
            return words.t("Units: metric (L/100 km, cm, kg), usual for your language")
        return words.t("Units: imperial (mpg, in, lb), usual for your language")
    if units == "metric":
        return words.t("Units: metric (L/100 km, cm, kg)")
    return words.t("Units: imperial (mpg, in, lb)")


def _alerts_line(words: Words, settings: UserSettings) -> str:
    if settings.recall_alerts:
        return words.t("Recall alerts for garage cars: on")
    return words.t("Recall alerts for garage cars: off")


def settings_page(
    words: Words,
    settings: UserSettings,
    codec: CallbackCodec,
    owner: int,
    *,
    units: Units,
    telegram_language: str,
) -> tuple[str, InlineKeyboardMarkup]:
    """The user's settings with buttons that only the owner may press: units (the ones in use,
    picked or usual for the language), recall alerts, and every language by its own name.

    telegram_language: the catalog Telegram's language_code gives (one of LANGUAGES).
    """
    text = words.paragraphs(
        "\n".join(
            [
                words.t("<b>Your settings</b>"),
                _language_line(words, settings, telegram_language),
                _units_line(words, settings, units),
                _alerts_line(words, settings),
            ]
        )
    )

    def button(label: str, payload: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            label, callback_data=codec.encode(CallbackAction.SETTINGS, payload, owner=owner)
        )

    other_units = "imperial" if units == "metric" else "metric"
    units_label = (
        words.pt("button", "Use imperial units")
        if other_units == "imperial"
        else words.pt("button", "Use metric units")
    )
    alerts_label = (
        words.pt("button", "Turn recall alerts off")
        if settings.recall_alerts
        else words.pt("button", "Turn recall alerts on")
    )
    languages = [
        # Each language by its own name, so a reader finds theirs whatever is shown now.
        button(f"✅ {name}" if code == settings.language else name, f"lang:{code}")
        for code, name in LANGUAGES.items()
    ]
    follow = words.pt("button", "🌐 Same as Telegram")
    rows = [
        [button(units_label, f"units:{other_units}")],
        [button(alerts_label, f"alerts:{'off' if settings.recall_alerts else 'on'}")],
        *(
            languages[i : i + _LANGUAGES_PER_ROW]
            for i in range(0, len(languages), _LANGUAGES_PER_ROW)
        ),
        [
            button(
                f"✅ {follow}" if settings.language is None else follow,
                f"lang:{FOLLOW_TELEGRAM}",
            )
        ],
    ]
    return text, InlineKeyboardMarkup(rows)
