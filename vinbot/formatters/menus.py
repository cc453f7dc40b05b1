"""The command menus and the bot's descriptions, per language (set at start-up).

Telegram's limits: a command's description 1 to 256 characters, the description 0 to 512, the
short description 0 to 120.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from telegram import BotCommand

if TYPE_CHECKING:
    from vinbot.i18n import Words

COMMAND_DESCRIPTION_LIMIT: Final = 256
DESCRIPTION_LIMIT: Final = 512
SHORT_DESCRIPTION_LIMIT: Final = 120


def bot_commands(words: Words) -> list[BotCommand]:
    """The menu everyone sees, in its order."""
    # Translators: the command menu. Keep the examples (VINs, plates, codes) as they are.
    return [
        BotCommand("vin", words.pt("menu", "Decode a VIN: /vin 1HGCM82633A004352")),
        BotCommand("recalls", words.pt("menu", "Recall campaigns: /recalls VIN")),
        BotCommand("value", words.pt("menu", "Market value: /value VIN")),
        BotCommand("plate", words.pt("menu", "VIN from a plate: /plate 7ABC123 CA")),
        BotCommand("check", words.pt("menu", "Theft, lien and title records: /check VIN")),
        BotCommand("compare", words.pt("menu", "Two cars side by side: /compare VIN VIN")),
        BotCommand("obd", words.pt("menu", "What a check-engine code means: /obd P0420")),
        BotCommand("history", words.pt("menu", "Your last 10 VINs")),
        BotCommand("garage", words.pt("menu", "Your saved cars")),
        BotCommand("settings", words.pt("menu", "Language, units and recall alerts")),
        BotCommand("export", words.pt("menu", "Download everything stored about you")),
        BotCommand("forget", words.pt("menu", "Delete everything stored about you")),
        BotCommand("privacy", words.pt("menu", "What is stored about you, and for how long")),
        BotCommand("help", words.pt("menu", "What I can do and where to find a VIN")),
        BotCommand("start", words.pt("menu", "Welcome and a sample VIN")),
    ]


def admin_commands(words: Words) -> list[BotCommand]:
    """The menu of the bot's admins: everyone's, and /stats."""
    return [
        *bot_commands(words),
        BotCommand("stats", words.pt("menu", "The bot's figures (admins only)")),
    ]


def description(words: Words) -> str:
    """What an empty chat with the bot shows, before /start (at most 512 characters)."""
    return words.t(
        "I decode Vehicle Identification Numbers (VINs): year, make, model, engine, where the "
        "car was built, recalls, market value and more. Send a 17-character VIN, a photo of "
        "it, or a licence plate with /plate."
    )


def short_description(words: Words) -> str:
    """The bot's profile line and link preview (at most 120 characters)."""
    return words.t("Decodes a car's VIN: specs, recalls and market value.")
