"""Photos, files and other media: VINs in captions, VIN plates in pictures, hints for the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters import messages
from vinbot.handlers.addressing import is_private
from vinbot.handlers.decode import addressed_text, answer_text, reply_html
from vinbot.handlers.language import words_for
from vinbot.handlers.photo import read_vin_from_photo
from vinbot.models.vin_request import parse_vin_request

if TYPE_CHECKING:
    from telegram import Update

    from vinbot.handlers.context import BotContext


async def on_caption(update: Update, context: BotContext) -> None:
    """A captioned photo, video or file: decode VINs in the caption, else read the photo."""
    message = update.effective_message
    if message is None or message.caption is None:
        return
    text = addressed_text(message, context, message.caption)
    if text is None:
        return
    if (
        is_private(message)
        and parse_vin_request(text).empty
        and await read_vin_from_photo(message, context)
    ):
        return
    await answer_text(message, context, text, hint=is_private(message))


async def on_media(update: Update, context: BotContext) -> None:
    """Uncaptioned media in a private chat: read a VIN from images, one hint for the rest."""
    message = update.effective_message
    if message is None or not is_private(message):
        return
    if await read_vin_from_photo(message, context):
        return
    if context.services.hints.should_hint(message.chat_id, "unsupported"):
        words = await words_for(update, context)
        await reply_html(message, context, messages.unsupported_hint(words))
