"""Placeholders for updates PTB could not parse: a plain apology, an admin alert, no more."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler

from vinbot.formatters.recovery import apology_for
from vinbot.i18n import words_in
from vinbot.logs import get_logger
from vinbot.unreadable_updates import Unreadable, marker_of

if TYPE_CHECKING:
    from vinbot.handlers.context import BotContext

log = get_logger(__name__)


class UnreadableUpdateHandler(BaseHandler[Update, "BotContext", None]):
    """Matches only the placeholders `unreadable_updates.readable_batch` put in a batch."""

    def __init__(self) -> None:
        super().__init__(_answer_unreadable)

    def check_update(self, update: object) -> Unreadable | None:
        """The placeholder's details, or None for every real update."""
        return marker_of(update) if isinstance(update, Update) else None


async def _answer_unreadable(update: Update, context: BotContext) -> None:
    unreadable = marker_of(update)
    if unreadable is None:  # pragma: no cover - the handler matched only placeholders
        return
    # Nothing of the update is kept (not even its sender's language), so the apology is English.
    apology = apology_for(words_in("en"), "message")
    if unreadable.chat_id is not None and apology is not None:
        try:
            await context.bot.send_message(unreadable.chat_id, apology, parse_mode=None)
        except TelegramError as exc:
            log.info("unreadable_apology_not_sent", error_type=type(exc).__name__)
    await context.services.admin_alerts.update_unreadable(update.update_id, unreadable.kind)
    raise ApplicationHandlerStop
