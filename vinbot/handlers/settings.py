"""/settings: the language, units and recall alerts, with buttons to change them."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram.error import BadRequest

from vinbot.formatters.messages import button_expired
from vinbot.formatters.settings import FOLLOW_TELEGRAM, saved, settings_page
from vinbot.handlers.account import person_asking
from vinbot.handlers.decode import language_code_of, reply_html
from vinbot.handlers.identity import presser_of
from vinbot.handlers.language import words_for, words_for_press
from vinbot.handlers.routing import user_command
from vinbot.i18n import LANGUAGES, resolve_language
from vinbot.models.callback import CallbackAction

if TYPE_CHECKING:
    from telegram import CallbackQuery, InlineKeyboardMarkup, Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.i18n import Words
    from vinbot.models.callback import Callback
    from vinbot.models.records import UserSettings


# Settings pages being redrawn by this process (chat id, message id), each with whether it was
# pressed again meanwhile. A press on another instance redraws there: each redraw reads the
# settings again after its edit and draws again when they changed, so whichever edit lands last
# shows the latest settings.
_REDRAWING: dict[tuple[int, int], bool] = {}


async def _page(
    context: BotContext,
    words: Words,
    settings: UserSettings,
    user_id: int,
    language_code: str | None,
) -> tuple[str, InlineKeyboardMarkup]:
    units = await context.services.lookup.units_for(user_id, language_code)
    return settings_page(
        words,
        settings,
        context.services.callbacks,
        user_id,
        units=units,
        telegram_language=resolve_language(None, language_code),
    )


async def on_settings(update: Update, context: BotContext) -> None:
    """/settings: language, units and recall alerts, with buttons to change them."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    language_code = language_code_of(update.effective_user)
    words = await words_for(update, context)
    settings = await context.services.user_settings.get(user_id)
    text, markup = await _page(context, words, settings, user_id, language_code)
    await reply_html(message, context, text, reply_markup=markup)


async def settings_pressed(query: CallbackQuery, context: BotContext, callback: Callback) -> None:
    """A settings button (its owner's, checked by on_callback): apply it and redraw the page,
    in the language just picked when it was the language."""
    user_id = presser_of(query).key
    service = context.services.user_settings
    match callback.args:
        case ("units", "metric" | "imperial" as units):
            await service.set_units(user_id, units)
        case ("alerts", "on" | "off" as state):
            await service.set_recall_alerts(user_id, enabled=state == "on")
        case ("lang", str(code)) if code == FOLLOW_TELEGRAM or code in LANGUAGES:
            picked = None if code == FOLLOW_TELEGRAM else code
            await service.set_language(user_id, picked)
        case _:
            await query.answer(button_expired(await words_for_press(query, context)))
            return
    await query.answer(saved(await words_for_press(query, context)))
    if query.message is None:
        return
    page = (query.message.chat.id, query.message.message_id)
    if page in _REDRAWING:
        # A redraw of this page is already waiting on Telegram's per-chat limit: it draws the
        # latest settings when its turn comes, so a flood of presses costs one edit, not one
        # queued edit (and one of the presser's update slots) per press.
        _REDRAWING[page] = True
        return
    _REDRAWING[page] = False
    try:
        drawn: UserSettings | None = None
        while True:
            # After an edit, read past the update's memo: a press on another instance may have
            # changed the settings while the edit was on its way, and the last edit must show it.
            settings = await service.get(user_id, fresh=drawn is not None)
            if _REDRAWING[page]:  # pressed here meanwhile: read once more, surely after its write
                _REDRAWING[page] = False
                continue
            if settings == drawn:
                return
            words = await words_for_press(query, context)
            text, markup = await _page(
                context, words, settings, user_id, query.from_user.language_code
            )
            with contextlib.suppress(BadRequest):  # "message is not modified" after a double tap
                await query.edit_message_text(text, reply_markup=markup)
            drawn = settings
    finally:
        del _REDRAWING[page]


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:
    """/settings and its buttons."""
    application.add_handler(user_command("settings", on_settings))
    buttons.on(CallbackAction.SETTINGS, settings_pressed)
