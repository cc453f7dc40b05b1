"""The application-wide error handler: log first with the ids, then tell the person."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from vinbot.formatters import messages
from vinbot.handlers.identity import requester_of
from vinbot.handlers.language import words_for
from vinbot.i18n import words_in
from vinbot.logs import get_logger

if TYPE_CHECKING:
    from vinbot.handlers.context import BotContext

log = get_logger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Never lets one update take the bot down; the user hears something went wrong, and the
    admins get a short, rate-limited alert naming the error type and where it happened."""
    error = context.error
    kind = type(error).__name__ if error is not None else "unknown"
    context.services.metrics.error(kind)
    in_update = isinstance(update, Update)
    if isinstance(update, Update):
        log.error(
            "update_failed",
            update_id=update.update_id,
            user_id=requester.key if (requester := requester_of(update)) else None,
            chat_id=update.effective_chat.id if update.effective_chat else None,
            error_type=kind,
            exc_info=error,
        )
        if not _telling_would_fail(error):
            await _apologise(update, context)
    else:
        log.error("background_error", error_type=kind, exc_info=error)
    # Blocked users, flood limits and network trouble are the weather, not bugs.
    if error is not None and not _telling_would_fail(error):
        await context.services.admin_alerts.unexpected_error(error, in_update=in_update)


async def _apologise(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    try:
        words = await words_for(update, context)
    except Exception:  # noqa: BLE001 - the store may be what failed: apologise in English
        words = words_in("en")
    apology = messages.something_went_wrong(words)
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(apology)
        except TelegramError:
            pass  # answered already: say it in the chat instead
        else:
            return
    if chat is not None:
        # Plain text, not a reply: the failure may have been bad HTML or a deleted message.
        with contextlib.suppress(TelegramError):
            await chat.send_message(apology, parse_mode=None)


def _telling_would_fail(error: BaseException | None) -> bool:
    """Blocked, rate limited or offline: a message now would fail the same way. A BadRequest
    (a NetworkError in PTB) is about that one message, so the apology can still go."""
    if isinstance(error, BadRequest):
        return False
    return isinstance(error, (Forbidden, RetryAfter, NetworkError, TimedOut))
