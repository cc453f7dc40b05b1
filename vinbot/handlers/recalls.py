"""/recalls, the 🔔 Recalls button under a decode and the pages of a long recall report."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram.error import BadRequest

from vinbot.formatters.recalls import (
    recalls_keyboard,
    recalls_need_vin,
    recalls_unavailable,
    recalls_usage,
    render_recalls,
)
from vinbot.handlers.decode import flood_guarded, flood_guarded_route, reply_html, with_typing
from vinbot.handlers.identity import presser_of, requester_of
from vinbot.handlers.language import words_for, words_for_press
from vinbot.handlers.routing import user_command
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import InvalidVin, ProviderUnavailable, RecallsUnavailable, VinNotFound
from vinbot.models.vin import analyse

if TYPE_CHECKING:
    from telegram import CallbackQuery, Message, Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.i18n import Words
    from vinbot.models.callback import Callback
    from vinbot.models.recalls import RecallOutcome


async def _recalls_for(
    words: Words, context: BotContext, vin: str, user_id: int
) -> RecallOutcome | str:
    """The recall outcome, or the text to show instead."""
    services = context.services
    try:
        return await services.extras.recalls(
            vin, user_id=user_id, is_admin=user_id in services.settings.admin_ids
        )
    except InvalidVin:
        return recalls_need_vin(words)
    except (RecallsUnavailable, ProviderUnavailable, VinNotFound):
        return recalls_unavailable(words)


async def send_recalls(
    message: Message, context: BotContext, words: Words, vin: str, user_id: int
) -> None:
    """The first page of a VIN's recalls, as a new message."""
    outcome = await with_typing(message, _recalls_for(words, context, vin, user_id))
    if isinstance(outcome, str):
        await reply_html(message, context, outcome)
        return
    markup = recalls_keyboard(words, context.services.callbacks, vin, outcome, 0)
    await reply_html(message, context, render_recalls(words, outcome, 0), reply_markup=markup)


async def recalls_page_pressed(query: CallbackQuery, context: BotContext, payload: str) -> None:
    """◀️/▶️ under a recall report: show another page in place."""
    vin, _, page_text = payload.partition(":")
    page = int(page_text) if page_text.isdecimal() else 0
    await query.answer()  # at once: a slow lookup must not outlive the button's spinner
    words = await words_for_press(query, context)
    outcome = await _recalls_for(words, context, vin, presser_of(query).key)
    if isinstance(outcome, str):
        text, markup = outcome, None
    else:
        text = render_recalls(words, outcome, page)
        markup = recalls_keyboard(words, context.services.callbacks, vin, outcome, page)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text, reply_markup=markup)


async def on_recalls_command(update: Update, context: BotContext) -> None:
    """/recalls VIN."""
    message = update.effective_message
    requester = requester_of(update)
    if message is None or requester is None:
        return
    words = await words_for(update, context)
    text = " ".join(context.args or [])
    if not text.strip():
        await reply_html(message, context, recalls_usage(words))
        return
    analysis = analyse(text)
    # Only a valid VIN reaches an upstream; anything else is explained for free.
    if analysis.valid and not await flood_guarded(message, context, requester.key, words=words):
        return
    await send_recalls(message, context, words, analysis.vin, requester.key)


@flood_guarded_route
async def _recalls_route(
    query: CallbackQuery, context: BotContext, message: Message, _callback: Callback, vin: str
) -> None:
    await query.answer()
    words = await words_for_press(query, context)
    await send_recalls(message, context, words, vin, presser_of(query).key)


@flood_guarded_route
async def _recalls_page_route(
    query: CallbackQuery, context: BotContext, _message: Message, callback: Callback, _vin: str
) -> None:
    await recalls_page_pressed(query, context, callback.payload)


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:
    """/recalls, the 🔔 Recalls button and the recall pages."""
    application.add_handler(user_command("recalls", on_recalls_command))
    buttons.on_vin(CallbackAction.RECALLS, _recalls_route)
    buttons.on_vin(CallbackAction.RECALLS_PAGE, _recalls_page_route)
