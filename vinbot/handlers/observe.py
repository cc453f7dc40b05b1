"""Runs first for every update: binds ids to the log context and counts the update's kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from vinbot.handlers.identity import requester_of

if TYPE_CHECKING:
    from telegram import Update

    from vinbot.handlers.context import BotContext


def update_kind(update: Update) -> str:
    """A coarse kind for metrics: command, message, photo, callback_query, ..."""
    message = update.message
    kinds = (
        (update.callback_query is not None, "callback_query"),
        (update.inline_query is not None, "inline_query"),
        (update.edited_message is not None, "edited_message"),
        (update.channel_post is not None or update.edited_channel_post is not None, "channel_post"),
        (message is None, "other"),
        (message is not None and bool(message.text and message.text.startswith("/")), "command"),
        (message is not None and message.text is not None, "message"),
        (message is not None and bool(message.photo), "photo"),
        (message is not None and message.document is not None, "document"),
        (message is not None and message.sticker is not None, "sticker"),
    )
    return next((kind for matched, kind in kinds if matched), "other_message")


async def observe_update(update: Update, context: BotContext) -> None:
    """Bind update, user and chat ids for every log line this update produces."""
    structlog.contextvars.clear_contextvars()
    requester = requester_of(update)
    structlog.contextvars.bind_contextvars(
        update_id=update.update_id,
        # For a message written as a group or channel, the chat: the shared bot id says nothing.
        user_id=requester.key if requester is not None else None,
        chat_id=update.effective_chat.id if update.effective_chat else None,
    )
    context.services.metrics.update_received(update_kind(update))
