"""/garage (list, rename), 💾 Save under a decode, and the buttons on the garage page."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram.error import BadRequest

from vinbot.formatters import garage as words_of_garage
from vinbot.formatters.account import spec_title, vehicle_title
from vinbot.handlers.account import person_asking
from vinbot.handlers.decode import fresh_decode_pressed, reply_html
from vinbot.handlers.identity import presser_of
from vinbot.handlers.language import words_for, words_for_press
from vinbot.handlers.routing import user_command
from vinbot.models.callback import CallbackAction
from vinbot.models.vin import analyse
from vinbot.services.garage import AlreadySaved, GarageFull, NicknameTooLong, NotInGarage

if TYPE_CHECKING:
    from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.i18n import Words
    from vinbot.models.callback import Callback

GARAGE_TITLE_LOOKBACK = 200


async def _garage_view(
    context: BotContext, words: Words, user_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    services = context.services
    entries = await services.garage.list(user_id)
    titles = {
        entry.vin: spec_title(await services.lookup.cached_spec(entry.vin)) for entry in entries
    }
    if not all(titles.values()):  # the cache may be cold after a restart: ask the history
        for record in await services.lookup.recent(user_id, GARAGE_TITLE_LOOKBACK):
            if not titles.get(record.vin):
                titles[record.vin] = vehicle_title(words, record.year, record.make, record.model)
    return words_of_garage.garage_page(
        words,
        entries,
        titles,
        services.callbacks,
        services.garage.limit,
        user_id,
        title_checks=services.extras.title_checks is not None,
    )


async def _rename(context: BotContext, words: Words, user_id: int, args: list[str]) -> str:
    if len(args) < 2:  # noqa: PLR2004 - "rename" and the car
        return words_of_garage.rename_usage(words)
    target, nickname = args[1], " ".join(args[2:]) or None
    entries = await context.services.garage.list(user_id)
    if target.isdecimal() and 1 <= int(target) <= len(entries):  # "²".isdigit(), int("²") fails
        vin = entries[int(target) - 1].vin
    else:
        vin = analyse(target).vin
    try:
        await context.services.garage.rename(user_id, vin, nickname)
    except NotInGarage:
        return words_of_garage.not_in_garage(words)
    except NicknameTooLong as exc:
        return words_of_garage.nickname_too_long(words, exc.max_length)
    return words_of_garage.nickname_saved(words, cleared=nickname is None)


async def on_garage(update: Update, context: BotContext) -> None:
    """/garage lists saved cars; /garage rename VIN nickname names one."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    words = await words_for(update, context)
    args = context.args or []
    if args and args[0].lower() == "rename":
        await reply_html(message, context, await _rename(context, words, user_id, args))
        return
    text, markup = await _garage_view(context, words, user_id)
    await reply_html(message, context, text, reply_markup=markup)


async def save_pressed(query: CallbackQuery, context: BotContext, vin: str) -> None:
    """💾 Save under a decode: the car goes to the presser's garage."""
    words = await words_for_press(query, context)
    try:
        await context.services.garage.add(presser_of(query).key, vin)
    except AlreadySaved:
        await query.answer(words_of_garage.already_saved(words))
        return
    except GarageFull as exc:
        await query.answer(words_of_garage.garage_full(words, exc.limit), show_alert=True)
        return
    await query.answer(words_of_garage.saved(words))


async def garage_remove_pressed(query: CallbackQuery, context: BotContext, vin: str) -> None:
    """🗑 Remove on the garage page (its owner's, checked by on_callback): remove and redraw."""
    user_id = presser_of(query).key
    words = await words_for_press(query, context)
    with contextlib.suppress(NotInGarage):
        await context.services.garage.remove(user_id, vin)
    await query.answer(words_of_garage.removed(words))
    text, markup = await _garage_view(context, words, user_id)
    with contextlib.suppress(BadRequest):  # "message is not modified" after a double tap
        await query.edit_message_text(text, reply_markup=markup)


async def _save_route(
    query: CallbackQuery, context: BotContext, _message: Message, _callback: Callback, vin: str
) -> None:
    await save_pressed(query, context, vin)


async def _garage_remove_route(
    query: CallbackQuery, context: BotContext, _message: Message, _callback: Callback, vin: str
) -> None:
    await garage_remove_pressed(query, context, vin)


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:
    """/garage, 💾 Save under a decode, and the garage page's open and remove buttons."""
    application.add_handler(user_command("garage", on_garage))
    buttons.on_vin(CallbackAction.SAVE, _save_route)
    buttons.on_vin(CallbackAction.GARAGE_REMOVE, _garage_remove_route)
    buttons.on_vin(CallbackAction.GARAGE_OPEN, fresh_decode_pressed)
