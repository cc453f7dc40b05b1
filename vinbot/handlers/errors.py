"""The application-wide error handler: log first with the ids, then tell the person."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from vinbot.formatters import messages
from vinbot.logs import get_logger

if TYPE_CHECKING:
    from vinbot.handlers.context import BotContext

log = get_logger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Never lets one update take the bot down; the user hears something went wrong."""
    error = context.error
    kind = type(error).__name__ if error is not None else "unknown"
    context.services.metrics.error(kind)
    if not isinstance(update, Update):
        log.error("background_error", error_type=kind, exc_info=error)
        return
    log.error(
        "update_failed",
        update_id=update.update_id,
        user_id=update.effective_user.id if update.effective_user else None,
        chat_id=update.effective_chat.id if update.effective_chat else None,
        error_type=kind,
        exc_info=error,
    )
    if isinstance(error, (Forbidden, RetryAfter, NetworkError, TimedOut)):
        return  # telling the user would fail the same way
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(messages.SOMETHING_WENT_WRONG)
        return
    message = update.effective_message
    if message is not None:
        with contextlib.suppress(TelegramError):
            await message.reply_html(messages.SOMETHING_WENT_WRONG)
