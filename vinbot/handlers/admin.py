"""/stats for the bot's admins (in their own language); anyone else gets the unknown-command
answer, as if it did not exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters.admin import stats
from vinbot.handlers.basic import on_unknown_command
from vinbot.handlers.decode import reply_html
from vinbot.handlers.identity import requester_of
from vinbot.handlers.language import words_for
from vinbot.handlers.routing import user_command

if TYPE_CHECKING:
    from telegram import Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter


async def on_stats(update: Update, context: BotContext) -> None:
    """Admins see the bot's figures; everyone else gets the unknown-command answer."""
    message = update.effective_message
    requester = requester_of(update)
    if message is None or requester is None:
        return
    if not requester.is_admin(context.services.settings.admin_ids):
        await on_unknown_command(update, context)
        return
    words = await words_for(update, context)
    report = await context.services.status.report()
    await reply_html(message, context, stats(words, report))


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:  # noqa: ARG001
    """The admin's /stats."""
    application.add_handler(user_command("stats", on_stats))
