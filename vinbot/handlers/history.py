"""/history and its buttons: the last lookups, each re-openable from cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters.history import history_page
from vinbot.handlers.account import HISTORY_SIZE, person_asking
from vinbot.handlers.decode import fresh_decode_pressed, reply_html
from vinbot.handlers.language import words_for
from vinbot.handlers.routing import user_command
from vinbot.models.callback import CallbackAction

if TYPE_CHECKING:
    from telegram import Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter


async def on_history(update: Update, context: BotContext) -> None:
    """/history: the last lookups, newest first, each re-openable from cache."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    words = await words_for(update, context)
    records = await context.services.lookup.recent(user_id, HISTORY_SIZE)
    text, markup = history_page(words, records, context.services.callbacks, user_id)
    await reply_html(message, context, text, reply_markup=markup)


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:
    """/history and its re-open buttons."""
    application.add_handler(user_command("history", on_history))
    buttons.on_vin(CallbackAction.HISTORY_OPEN, fresh_decode_pressed)
