"""Plain text messages: decode the VINs in them, then explain any OBD trouble codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.handlers.decode import addressed_text, answer_text
from vinbot.handlers.language import words_for
from vinbot.handlers.obd import answer_codes
from vinbot.models.obd import find_obd_codes_in_message
from vinbot.models.vin import find_vins

if TYPE_CHECKING:
    from telegram import Update

    from vinbot.handlers.context import BotContext


async def on_text(update: Update, context: BotContext) -> None:
    """A plain text message (or an edit of one): decode the VINs in it, then explain the
    trouble codes asked about ("check engine light P0301", but not a "Chevy C1500"); a code
    inside a VIN is part of the VIN."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = addressed_text(message, context, message.text)
    if text is None:
        return
    codes = find_obd_codes_in_message(text, vins=find_vins(text))
    if not codes:
        await answer_text(message, context, text, hint=True)
        return
    words = await words_for(update, context)
    await answer_text(message, context, text, hint=False, words=words)
    await answer_codes(message, context, codes, asked=False, words=words)
