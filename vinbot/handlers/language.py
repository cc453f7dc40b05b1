"""Which language to answer an update in: the one picked in /settings, else Telegram's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.handlers.identity import presser_of, requester_of
from vinbot.i18n import Words, resolve_language, words_in

if TYPE_CHECKING:
    from telegram import CallbackQuery, Update

    from vinbot.handlers.context import BotContext


async def words_for(update: Update, context: BotContext) -> Words:
    """The words for whoever sent the update (their pick, their Telegram language, English)."""
    user = update.effective_user
    language_code = user.language_code if user is not None else None
    requester = requester_of(update)
    picked = None
    if requester is not None and requester.personal:
        picked = (await context.services.user_settings.get(requester.key)).language
    return words_in(resolve_language(picked, language_code))


async def words_for_user(context: BotContext, user_id: int, language_code: str | None) -> Words:
    """The words for a user reached outside an update (recall alerts, admin alerts)."""
    picked = (await context.services.user_settings.get(user_id)).language
    return words_in(resolve_language(picked, language_code))


async def words_for_press(query: CallbackQuery, context: BotContext) -> Words:
    """The words for whoever pressed a button (their pick, their Telegram language, English)."""
    return await words_for_user(context, presser_of(query).key, query.from_user.language_code)
