"""/compare VIN VIN and ⚖️ Compare under /history and /garage: two cars side by side.

From a list it takes three presses: ⚖️ Compare (a new message lists the cars), car A (the
list turns into every other car), car B (the list turns into the comparison). Two VINs and
an owner's id do not fit in one button's 64 bytes, so the owner is checked on the first two.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram import Message
from telegram.error import BadRequest

from vinbot.formatters import compare as texts
from vinbot.formatters.account import spec_title, vehicle_title
from vinbot.formatters.messages import button_expired
from vinbot.handlers.account import HISTORY_SIZE
from vinbot.handlers.decode import (
    button_flood_guarded,
    flood_guarded,
    language_code_of,
    reply_html,
    reply_invalid,
    with_typing,
)
from vinbot.handlers.identity import presser_of, requester_of
from vinbot.handlers.language import words_for, words_for_press
from vinbot.handlers.routing import user_command
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import InvalidVin
from vinbot.models.vin import analyse, find_vin_attempts, find_vins, normalise

if TYPE_CHECKING:
    from telegram import CallbackQuery, Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.identity import Requester
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.i18n import Words
    from vinbot.models.callback import Callback

_LISTS = frozenset({"h", "g"})


async def _two_cars(
    message: Message,
    context: BotContext,
    vins: tuple[str, str],
    query: CallbackQuery | None,
    words: Words,
) -> bool:
    """Whether these are two valid, different VINs; says why not when they are not."""
    analyses = analyse(vins[0]), analyse(vins[1])
    for analysis in analyses:
        if not analysis.valid:
            if query is not None:
                await query.answer(button_expired(words))
            await reply_invalid(message, context, InvalidVin(analysis))
            return False
    if analyses[0].vin == analyses[1].vin:
        if query is not None:
            await query.answer()
        await reply_html(message, context, texts.compare_same_car(words))
        return False
    return True


async def _guarded(
    message: Message,
    context: BotContext,
    vins: tuple[str, str],
    requester: Requester,
    query: CallbackQuery | None,
) -> bool:
    """Whether the flood guard allows a lookup for each VIN not in the cache (one each)."""
    for vin in vins:
        if await context.services.lookup.is_cached(vin):
            continue  # reading the cache alone is not a lookup
        allowed = (
            await button_flood_guarded(query, context)
            if query is not None
            else await flood_guarded(message, context, requester.key)
        )
        if not allowed:
            return False
    return True


async def send_comparison(
    message: Message,
    context: BotContext,
    first: str,
    second: str,
    requester: Requester,
    *,
    words: Words,
    query: CallbackQuery | None = None,
) -> None:
    """Compare two VINs for a requester: a new message, or the picker edited when pressed."""
    services = context.services
    if not await _two_cars(message, context, (first, second), query, words):
        return
    if not await _guarded(message, context, (first, second), requester, query):
        return
    if query is not None:
        await query.answer()  # at once: the decodes may outlive the button's spinner
    is_admin = requester.is_admin(services.settings.admin_ids)
    work = services.compare.compare(
        first, second, user_id=requester.key, is_admin=is_admin, personal=requester.personal
    )
    try:
        comparison = await with_typing(message, work)
    except InvalidVin as exc:
        await reply_invalid(message, context, exc, words=words)
        return
    asker = query.from_user if query is not None else message.from_user
    units = await services.lookup.units_for(requester.key, language_code_of(asker))
    text = texts.render_comparison(words, comparison, units=units)
    markup = texts.comparison_keyboard(words, services.callbacks, comparison)
    if query is not None:
        with contextlib.suppress(BadRequest):  # "not modified" after a double tap
            await query.edit_message_text(text, reply_markup=markup)
            services.metrics.reply_sent("edit")
        return
    await reply_html(message, context, text, reply_markup=markup)


async def on_compare_command(update: Update, context: BotContext) -> None:
    """/compare VIN VIN."""
    message = update.effective_message
    requester = requester_of(update)
    if message is None or requester is None:
        return
    words = await words_for(update, context)
    text = " ".join(context.args or [])
    vins = find_vins(text)
    if len(vins) == 2:  # noqa: PLR2004 - two cars
        await send_comparison(message, context, vins[0], vins[1], requester, words=words)
        return
    if len(vins) == 1 and normalise(text).count(vins[0]) > 1:
        await reply_html(message, context, texts.compare_same_car(words))
        return
    attempts = find_vin_attempts(text)
    if len(vins) < 2 and attempts:  # noqa: PLR2004
        await reply_invalid(message, context, InvalidVin(analyse(attempts[0])))
        return
    await reply_html(message, context, texts.compare_usage(words))


async def _cars(
    context: BotContext, words: Words, user_id: int, source: str
) -> list[tuple[str, str]]:
    """(VIN, title) for each car of the user's history ("h") or garage ("g"), in its order."""
    services = context.services
    if source == "h":
        records = await services.lookup.recent(user_id, HISTORY_SIZE)
        return [(r.vin, vehicle_title(words, r.year, r.make, r.model)) for r in records]
    cars = []
    for entry in await services.garage.list(user_id):
        title = entry.nickname or spec_title(await services.lookup.cached_spec(entry.vin))
        cars.append((entry.vin, title or entry.vin))
    return cars


async def compare_start_pressed(
    query: CallbackQuery, context: BotContext, callback: Callback
) -> None:
    """⚖️ Compare on a /history or /garage page (its owner's): a new message to pick car A."""
    source = callback.args[0] if callback.args else ""
    message = query.message
    words = await words_for_press(query, context)
    if source not in _LISTS or not isinstance(message, Message):
        await query.answer(button_expired(words))
        return
    owner = presser_of(query).key
    cars = await _cars(context, words, owner, source)
    if len(cars) < 2:  # noqa: PLR2004
        await query.answer(texts.too_few_alert(words), show_alert=True)
        return
    await query.answer()
    markup = texts.pick_first_keyboard(context.services.callbacks, cars, source, owner)
    await reply_html(message, context, texts.compare_pick_first(words), reply_markup=markup)


async def compare_pick_pressed(
    query: CallbackQuery, context: BotContext, callback: Callback
) -> None:
    """Car A picked (by the list's owner): the list becomes every other car, to pick car B."""
    words = await words_for_press(query, context)
    match callback.args:
        case (source, first) if source in _LISTS and analyse(first).valid:
            pass
        case _:
            await query.answer(button_expired(words))
            return
    cars = await _cars(context, words, presser_of(query).key, source)
    if not any(vin != first for vin, _ in cars):
        await query.answer(texts.too_few_alert(words), show_alert=True)
        return
    await query.answer()
    text, markup = texts.pick_second(words, context.services.callbacks, cars, first)
    with contextlib.suppress(BadRequest):  # "not modified" after a double tap
        await query.edit_message_text(text, reply_markup=markup)
        context.services.metrics.reply_sent("edit")


async def compare_pressed(query: CallbackQuery, context: BotContext, callback: Callback) -> None:
    """Car B picked: the two cars side by side, for whoever pressed (and on their quota)."""
    message = query.message
    if len(callback.parts) != 2 or not isinstance(message, Message):  # noqa: PLR2004
        await query.answer(button_expired(await words_for_press(query, context)))
        return
    first, second = callback.parts
    words = await words_for_press(query, context)
    await send_comparison(
        message, context, first, second, presser_of(query), words=words, query=query
    )


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:
    """/compare and its ⚖️ buttons."""
    application.add_handler(user_command("compare", on_compare_command))
    buttons.on(CallbackAction.COMPARE_START, compare_start_pressed)
    buttons.on(CallbackAction.COMPARE_PICK, compare_pick_pressed)
    buttons.on(CallbackAction.COMPARE, compare_pressed)
