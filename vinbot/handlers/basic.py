"""/start, /help, /stats and unknown commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import BotCommand

from vinbot.formatters import messages
from vinbot.formatters.keyboards import sample_keyboard
from vinbot.handlers.addressing import is_private
from vinbot.handlers.decode import answer_text, reply_html
from vinbot.handlers.identity import requester_of
from vinbot.handlers.inline import SLOW_START_PARAMETER
from vinbot.handlers.language import words_for
from vinbot.handlers.routing import user_command
from vinbot.models.vin_request import parse_vin_request

if TYPE_CHECKING:
    from telegram import Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter

BOT_COMMANDS = (
    BotCommand("vin", "Decode a VIN: /vin 1HGCM82633A004352"),
    BotCommand("recalls", "Recall campaigns: /recalls VIN"),
    BotCommand("value", "Market value: /value VIN"),
    BotCommand("plate", "VIN from a plate: /plate 7ABC123 CA"),
    BotCommand("check", "Theft, lien and title records: /check VIN"),
    BotCommand("compare", "Two cars side by side: /compare VIN VIN"),
    BotCommand("obd", "What a check-engine code means: /obd P0420"),
    BotCommand("history", "Your last 10 VINs"),
    BotCommand("garage", "Your saved cars"),
    BotCommand("settings", "Units and recall alerts"),
    BotCommand("export", "Download everything stored about you"),
    BotCommand("forget", "Delete everything stored about you"),
    BotCommand("help", "What I can do and where to find a VIN"),
    BotCommand("start", "Welcome and a sample VIN"),
)


async def on_start(update: Update, context: BotContext) -> None:
    """Welcome with a sample button; a deep-link payload that is a VIN is decoded at once, and
    the inline "try again" button's payload explains the pause."""
    message = update.effective_message
    if message is None:
        return
    words = await words_for(update, context)
    payload = " ".join(context.args or [])
    if payload == SLOW_START_PARAMETER:
        await reply_html(message, context, messages.inline_paused(words))
        return
    if payload and not parse_vin_request(payload).empty:
        await answer_text(message, context, payload, hint=False, words=words)
        return
    markup = sample_keyboard(words, context.services.callbacks)
    await reply_html(message, context, messages.welcome(words), reply_markup=markup)


async def on_help(update: Update, context: BotContext) -> None:
    """Commands, examples and where to find a VIN."""
    message = update.effective_message
    if message is not None:
        words = await words_for(update, context)
        await reply_html(message, context, messages.help_text(words))


async def on_stats(update: Update, context: BotContext) -> None:
    """Admins see the bot's figures; everyone else gets the unknown-command answer."""
    message = update.effective_message
    requester = requester_of(update)
    if message is None or requester is None:
        return
    if not requester.is_admin(context.services.settings.admin_ids):
        await on_unknown_command(update, context)
        return
    report = await context.services.status.report()
    await reply_html(message, context, messages.stats(report))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """An unknown command in a private chat gets a pointer to /help; groups stay quiet."""
    message = update.effective_message
    if message is not None and is_private(message):
        words = await words_for(update, context)
        await reply_html(message, context, messages.unknown_command(words))


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:  # noqa: ARG001
    """/start, /help and the admin's /stats."""
    application.add_handlers(
        [
            user_command("start", on_start),
            user_command("help", on_help),
            user_command("stats", on_stats),
        ]
    )
