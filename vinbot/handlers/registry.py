"""Every handler registered in one place, in explicit groups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from vinbot.handlers.account import on_export, on_forget, on_garage, on_history, on_settings
from vinbot.handlers.basic import on_help, on_start, on_stats, on_unknown_command
from vinbot.handlers.callbacks import on_callback
from vinbot.handlers.compare import on_compare_command
from vinbot.handlers.decode import on_vin_command
from vinbot.handlers.errors import on_error
from vinbot.handlers.extras import on_plate_command, on_recalls_command
from vinbot.handlers.inline import on_inline_query
from vinbot.handlers.market_value import market_value_conversation
from vinbot.handlers.media import on_caption, on_media
from vinbot.handlers.obd import on_obd_command
from vinbot.handlers.observe import observe_update
from vinbot.handlers.text import on_text
from vinbot.handlers.title_check import on_check_command
from vinbot.handlers.unreadable import UnreadableUpdateHandler

if TYPE_CHECKING:
    from vinbot.handlers.context import VinbotApplication

UNREADABLE_GROUP = -3  # placeholders for updates PTB could not parse: answered, then stopped
OBSERVE_GROUP = -1
MAIN_GROUP = 0

# Messages and their edits; channel posts are not for this bot.
_USER_MESSAGES = filters.UpdateType.MESSAGES
_MEDIA = (
    filters.PHOTO
    | filters.Document.ALL
    | filters.VIDEO
    | filters.Sticker.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.LOCATION
    | filters.CONTACT
)


def register_handlers(application: VinbotApplication) -> None:
    """Attach every handler and the error handler to the application."""
    application.add_handler(UnreadableUpdateHandler(), group=UNREADABLE_GROUP)
    application.add_handler(TypeHandler(Update, observe_update), group=OBSERVE_GROUP)
    codec = application.bot_data.services.callbacks
    application.add_handlers(
        [
            market_value_conversation(codec),
            CommandHandler("start", on_start, filters=_USER_MESSAGES),
            CommandHandler("help", on_help, filters=_USER_MESSAGES),
            CommandHandler("vin", on_vin_command, filters=_USER_MESSAGES),
            CommandHandler("stats", on_stats, filters=_USER_MESSAGES),
            CommandHandler("history", on_history, filters=_USER_MESSAGES),
            CommandHandler("garage", on_garage, filters=_USER_MESSAGES),
            CommandHandler("settings", on_settings, filters=_USER_MESSAGES),
            CommandHandler("export", on_export, filters=_USER_MESSAGES),
            CommandHandler("forget", on_forget, filters=_USER_MESSAGES),
            CommandHandler("recalls", on_recalls_command, filters=_USER_MESSAGES),
            CommandHandler("plate", on_plate_command, filters=_USER_MESSAGES),
            CommandHandler("check", on_check_command, filters=_USER_MESSAGES),
            CommandHandler("obd", on_obd_command, filters=_USER_MESSAGES),
            CommandHandler("compare", on_compare_command, filters=_USER_MESSAGES),
            MessageHandler(filters.COMMAND & _USER_MESSAGES, on_unknown_command),
            MessageHandler(filters.TEXT & _USER_MESSAGES, on_text),
            MessageHandler(filters.CAPTION & _USER_MESSAGES, on_caption),
            MessageHandler(_MEDIA & _USER_MESSAGES, on_media),
            CallbackQueryHandler(on_callback),
            InlineQueryHandler(on_inline_query),
        ],
        group=MAIN_GROUP,
    )
    application.add_error_handler(on_error)
