"""Which language to answer an update in: the one picked in /settings, else Telegram's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.handlers.identity import presser_of, requester_of, sender_of
from vinbot.i18n import Words, resolve_language, words_in

if TYPE_CHECKING:
    from telegram import CallbackQuery, Message, Update, User

    from vinbot.handlers.context import BotContext
    from vinbot.handlers.identity import Requester


async def words_for(update: Update, context: BotContext) -> Words:
    """The words for whoever sent the update (their pick, their Telegram language, English)."""
    return await _words(context, requester_of(update), update.effective_user)


async def words_for_message(message: Message, context: BotContext) -> Words:
    """The words for whoever wrote a message (for code that has the message, not the update)."""
    return await _words(context, sender_of(message), message.from_user)


async def words_for_press(query: CallbackQuery, context: BotContext) -> Words:
    """The words for whoever pressed a button."""
    return await _words(context, presser_of(query), query.from_user)


async def _words(context: BotContext, requester: Requester | None, user: User | None) -> Words:
    language_code = user.language_code if user is not None else None
    picked = None
    if requester is not None and requester.personal:
        picked = (await context.services.user_settings.get(requester.key)).language
    return words_in(resolve_language(picked, language_code))


async def words_for_user(context: BotContext, user_id: int, language_code: str | None) -> Words:
    """The words for a user reached outside an update (recall alerts, admin alerts)."""
    picked = (await context.services.user_settings.get(user_id)).language
    return words_in(resolve_language(picked, language_code))
