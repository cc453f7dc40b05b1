"""Button presses: verify the signed data, then route to the action's handler."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram import Message
from telegram.error import BadRequest

from vinbot.formatters import account, messages, title_check
from vinbot.formatters.html import render_decode
from vinbot.formatters.keyboards import decode_keyboard
from vinbot.handlers.account import (
    forget_pressed,
    garage_remove_pressed,
    save_pressed,
    settings_pressed,
)
from vinbot.handlers.addressing import is_private
from vinbot.handlers.compare import compare_pick_pressed, compare_pressed, compare_start_pressed
from vinbot.handlers.decode import button_flood_guarded, send_decode
from vinbot.handlers.extras import recalls_page_pressed, send_recalls
from vinbot.handlers.identity import press_key, presser_of
from vinbot.handlers.report import report_pressed
from vinbot.handlers.title_check import title_button_pressed
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import InvalidVin
from vinbot.models.vin import analyse

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from telegram import CallbackQuery, Update

    from vinbot.handlers.context import BotContext
    from vinbot.models.callback import Callback


async def _expired(query: CallbackQuery) -> None:
    await query.answer(messages.BUTTON_EXPIRED)


async def _toggle_specs(
    query: CallbackQuery, context: BotContext, vin: str, *, expanded: bool
) -> None:
    services = context.services
    user_id = presser_of(query).key
    # The answer on screen is usually cached: showing it another way reaches no upstream and
    # costs nothing. Only when it has left the cache is the toggle a lookup (flood-guarded).
    result = await services.lookup.reopen_cached(vin)
    if result is None:
        if not await button_flood_guarded(query, context):
            return
        try:
            result = await services.lookup.reopen(
                vin, user_id=user_id, is_admin=user_id in services.settings.admin_ids
            )
        except InvalidVin:
            await _expired(query)
            return
    await query.answer()
    text = render_decode(result, expanded=expanded, units=await services.lookup.units_for(user_id))
    markup = decode_keyboard(
        services.callbacks,
        result.analysis,
        expanded=expanded,
        market_value=services.extras.paid_features,
    )
    if isinstance(query.message, Message) and query.message.photo:
        # A caption is too short for the full specs: they go in a message of their own.
        await query.message.reply_html(text, reply_markup=markup)
        services.metrics.reply_sent("message")
        return
    with contextlib.suppress(BadRequest):  # "message is not modified" after a double tap
        await query.edit_message_text(text, reply_markup=markup)
    services.metrics.reply_sent("edit")


type VinRoute = Callable[[CallbackQuery, BotContext, Message, Callback, str], Awaitable[None]]
type Route = Callable[[CallbackQuery, BotContext, Callback], Awaitable[None]]


async def _specs(
    query: CallbackQuery, context: BotContext, _message: Message, callback: Callback, vin: str
) -> None:
    await _toggle_specs(query, context, vin, expanded=callback.action is CallbackAction.SPECS)


async def _save(
    query: CallbackQuery, context: BotContext, _message: Message, _callback: Callback, vin: str
) -> None:
    await save_pressed(query, context, vin)


async def _garage_remove(
    query: CallbackQuery, context: BotContext, _message: Message, _callback: Callback, vin: str
) -> None:
    await garage_remove_pressed(query, context, vin)


def _flood_guarded(route: VinRoute) -> VinRoute:
    """The route, run only when the presser may have another lookup now."""

    async def guarded(
        query: CallbackQuery, context: BotContext, message: Message, callback: Callback, vin: str
    ) -> None:
        if await button_flood_guarded(query, context):
            await route(query, context, message, callback, vin)

    return guarded


@_flood_guarded
async def _recalls(
    query: CallbackQuery, context: BotContext, message: Message, _callback: Callback, vin: str
) -> None:
    await query.answer()
    await send_recalls(message, context, vin, presser_of(query).key)


@_flood_guarded
async def _recalls_page(
    query: CallbackQuery, context: BotContext, _message: Message, callback: Callback, _vin: str
) -> None:
    await recalls_page_pressed(query, context, callback.payload)


async def _title_check(
    query: CallbackQuery, context: BotContext, _message: Message, callback: Callback, vin: str
) -> None:
    confirm = callback.action is CallbackAction.TITLE_CONFIRM
    await title_button_pressed(query, context, vin, confirm=confirm)


async def _report(
    query: CallbackQuery, context: BotContext, message: Message, _callback: Callback, vin: str
) -> None:
    await report_pressed(query, context, message, vin)  # from caches only: no flood budget


@_flood_guarded
async def _fresh_decode(
    query: CallbackQuery, context: BotContext, message: Message, _callback: Callback, vin: str
) -> None:
    await query.answer()
    await send_decode(message, context, vin, presser_of(query), counted=True)


# Buttons whose payload starts with a VIN, checked before their route runs.
_VIN_ROUTES: dict[CallbackAction, VinRoute] = {
    CallbackAction.SPECS: _specs,
    CallbackAction.SUMMARY: _specs,
    CallbackAction.SAVE: _save,
    CallbackAction.GARAGE_REMOVE: _garage_remove,
    CallbackAction.RECALLS: _recalls,
    CallbackAction.RECALLS_PAGE: _recalls_page,
    CallbackAction.TITLE_CHECK: _title_check,
    CallbackAction.TITLE_CONFIRM: _title_check,
    CallbackAction.REPORT: _report,
    CallbackAction.DECODE: _fresh_decode,  # a fresh answer in the chat
    CallbackAction.HISTORY_OPEN: _fresh_decode,
    CallbackAction.GARAGE_OPEN: _fresh_decode,
    CallbackAction.OCR_PICK: _fresh_decode,
}
# Buttons with payloads of their own.
_ROUTES: dict[CallbackAction, Route] = {
    CallbackAction.SETTINGS: settings_pressed,
    CallbackAction.FORGET_CONFIRM: forget_pressed,
    CallbackAction.COMPARE_START: compare_start_pressed,
    CallbackAction.COMPARE_PICK: compare_pick_pressed,
    CallbackAction.COMPARE: compare_pressed,
}


async def _pressed_by_owner(query: CallbackQuery, message: Message, callback: Callback) -> bool:
    """Whether the presser may use a personal button; refuses with an alert when not.

    A personal button made before owners were recorded is trusted only in a private chat,
    where the presser is the only person who could have asked for it.
    """
    owner = callback.owner
    if owner is None and not is_private(message):
        await query.answer(account.PERSONAL_BUTTON_EXPIRED, show_alert=True)
        return False
    if owner is not None and owner != presser_of(query).key:
        alert = (
            title_check.NOT_YOUR_CHECK
            if callback.action is CallbackAction.TITLE_CONFIRM
            else account.NOT_YOUR_BUTTON
        )
        await query.answer(alert, show_alert=True)
        return False
    return True


async def on_callback(update: Update, context: BotContext) -> None:
    """Route a button press once (a second tap while the first is handled only stops its
    spinner); anything forged, stale or foreign gets "this button has expired", and someone
    else's personal button (history, garage, settings, /forget) is refused."""
    query = update.callback_query
    if query is None:
        return
    with context.services.presses.claim(press_key(query)) as first:
        if first:
            await _route_press(query, context)
        else:
            await query.answer()


async def _route_press(query: CallbackQuery, context: BotContext) -> None:
    callback = context.services.callbacks.decode(query.data)
    message = query.message
    if callback is None or not isinstance(message, Message):
        await _expired(query)
        return
    if callback.personal and not await _pressed_by_owner(query, message, callback):
        return
    vin_route = _VIN_ROUTES.get(callback.action)
    if vin_route is not None:
        vin = callback.parts[0] if callback.parts else ""
        if not analyse(vin).valid:
            await _expired(query)
            return
        await vin_route(query, context, message, callback, vin)
        return
    route = _ROUTES.get(callback.action)
    if route is None:
        await _expired(query)
        return
    await route(query, context, callback)
