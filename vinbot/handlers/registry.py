"""Every handler registered in one place, in explicit groups: each feature module adds its own
commands and buttons, then the catch-alls come last (the first matching handler wins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from vinbot.handlers import (
    admin,
    basic,
    compare,
    decode,
    garage,
    history,
    market_value,
    obd,
    photo,
    plate,
    privacy,
    recalls,
    report,
    settings,
    title_check,
)
from vinbot.handlers.basic import on_unknown_command
from vinbot.handlers.errors import on_error
from vinbot.handlers.inline import on_inline_query
from vinbot.handlers.media import on_caption, on_media
from vinbot.handlers.observe import observe_update
from vinbot.handlers.routing import USER_MESSAGES, ButtonRouter
from vinbot.handlers.text import on_text
from vinbot.handlers.unreadable import UnreadableUpdateHandler

if TYPE_CHECKING:
    from vinbot.handlers.context import VinbotApplication

UNREADABLE_GROUP = -3  # placeholders for updates PTB could not parse: answered, then stopped
OBSERVE_GROUP = -2
# -1: the /value conversation (market_value.VALUE_GROUP): answers to a draft stop there.
MAIN_GROUP = 0

# In the order their commands are tried; each has register(application, buttons). The /value
# conversation registers in a group of its own before the main one: its replies would otherwise
# be read as VINs.
FEATURES = (
    market_value,
    basic,
    decode,
    recalls,
    plate,
    photo,
    title_check,
    obd,
    compare,
    report,
    history,
    garage,
    settings,
    privacy,
    admin,
)

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
    buttons = ButtonRouter()
    for feature in FEATURES:
        feature.register(application, buttons)
    application.add_handlers(
        [
            MessageHandler(filters.COMMAND & USER_MESSAGES, on_unknown_command),
            MessageHandler(filters.TEXT & USER_MESSAGES, on_text),
            MessageHandler(filters.CAPTION & USER_MESSAGES, on_caption),
            MessageHandler(_MEDIA & USER_MESSAGES, on_media),
            CallbackQueryHandler(buttons.on_callback),
            InlineQueryHandler(on_inline_query),
        ],
        group=MAIN_GROUP,
    )
    application.add_error_handler(on_error)
