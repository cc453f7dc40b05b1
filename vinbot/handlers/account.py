"""What every personal feature (history, garage, settings, privacy, /value, /check) shares:
who is asking, and refusing those who write as a group or a channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters.account import personal_account_needed
from vinbot.handlers.decode import reply_html
from vinbot.handlers.identity import requester_of
from vinbot.handlers.language import words_for

if TYPE_CHECKING:
    from telegram import Message, Update

    from vinbot.handlers.context import BotContext

# How many lookups /history (and comparing from it) shows.
HISTORY_SIZE = 10


async def person_asking(update: Update, context: BotContext) -> tuple[Message, int] | None:
    """The message and the user id of the person asking for a personal feature; None (after
    telling them to write from their own account) for anyone writing as a group or channel."""
    message = update.effective_message
    requester = requester_of(update)
    if message is None or requester is None:
        return None
    if not requester.personal:
        words = await words_for(update, context)
        await reply_html(message, context, personal_account_needed(words))
        return None
    return message, requester.key
