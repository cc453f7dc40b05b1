"""Button presses: verify the signed data, then expand, collapse or decode."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram import Message
from telegram.error import BadRequest

from vinbot.formatters import messages
from vinbot.formatters.html import render_decode
from vinbot.formatters.keyboards import decode_keyboard
from vinbot.handlers.decode import send_decode
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import InvalidVin
from vinbot.models.vin import analyse

if TYPE_CHECKING:
    from telegram import CallbackQuery, Update

    from vinbot.handlers.context import BotContext


async def _expired(query: CallbackQuery) -> None:
    await query.answer(messages.BUTTON_EXPIRED)


async def _toggle_specs(
    query: CallbackQuery, context: BotContext, vin: str, *, expanded: bool
) -> None:
    services = context.services
    user_id = query.from_user.id
    try:
        result = await services.lookup.reopen(
            vin, user_id=user_id, is_admin=user_id in services.settings.admin_ids
        )
    except InvalidVin:
        await _expired(query)
        return
    await query.answer()
    text = render_decode(result, expanded=expanded, units=await services.lookup.units_for(user_id))
    with contextlib.suppress(BadRequest):  # "message is not modified" after a double tap
        await query.edit_message_text(
            text, reply_markup=decode_keyboard(services.callbacks, vin, expanded=expanded)
        )
    services.metrics.reply_sent("edit")


async def on_callback(update: Update, context: BotContext) -> None:
    """Route a button press; anything forged, stale or foreign gets "this button has expired"."""
    query = update.callback_query
    if query is None:
        return
    callback = context.services.callbacks.decode(query.data)
    message = query.message
    if callback is None or not isinstance(message, Message):
        await _expired(query)
        return
    vin = callback.parts[0] if callback.parts else ""
    if not analyse(vin).valid:
        await _expired(query)
        return
    match callback.action:
        case CallbackAction.SPECS | CallbackAction.SUMMARY:
            expanded = callback.action is CallbackAction.SPECS
            await _toggle_specs(query, context, vin, expanded=expanded)
        case CallbackAction.DECODE:
            await query.answer()
            await send_decode(message, context, vin, query.from_user.id)
        case _:
            await _expired(query)
