"""/start, /help and unknown commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters import messages
from vinbot.formatters.keyboards import sample_keyboard
from vinbot.handlers.addressing import is_private
from vinbot.handlers.decode import answer_text, reply_html
from vinbot.handlers.inline import SLOW_START_PARAMETER
from vinbot.handlers.language import words_for
from vinbot.handlers.routing import user_command
from vinbot.models.vin_request import parse_vin_request

if TYPE_CHECKING:
    from telegram import Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter


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


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """An unknown command in a private chat gets a pointer to /help; groups stay quiet."""
    message = update.effective_message
    if message is not None and is_private(message):
        words = await words_for(update, context)
        await reply_html(message, context, messages.unknown_command(words))


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:  # noqa: ARG001
    """/start and /help."""
    application.add_handlers(
        [
            user_command("start", on_start),
            user_command("help", on_help),
        ]
    )
