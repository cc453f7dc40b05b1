"""/history, /garage, /settings, /export and /forget, and the buttons on their pages."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram import InputFile, Message
from telegram.error import BadRequest

from vinbot.formatters import account
from vinbot.formatters.messages import BUTTON_EXPIRED
from vinbot.handlers.addressing import is_private
from vinbot.handlers.decode import fresh_decode_pressed, reply_html
from vinbot.handlers.identity import presser_of, requester_of
from vinbot.handlers.routing import user_command
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import VinbotError
from vinbot.models.vin import analyse
from vinbot.services.garage import AlreadySaved, GarageFull, NicknameTooLong, NotInGarage
from vinbot.services.privacy import ExportBusy, ExportTooSoon

if TYPE_CHECKING:
    from telegram import CallbackQuery, InlineKeyboardMarkup, Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.models.callback import Callback

HISTORY_SIZE = 10
GARAGE_TITLE_LOOKBACK = 200


async def person_asking(update: Update, context: BotContext) -> tuple[Message, int] | None:
    """The message and the user id of the person asking for a personal feature; None (after
    telling them to write from their own account) for anyone writing as a group or channel."""
    message = update.effective_message
    requester = requester_of(update)
    if message is None or requester is None:
        return None
    if not requester.personal:
        await reply_html(message, context, account.PERSONAL_ACCOUNT_NEEDED)
        return None
    return message, requester.key


async def on_history(update: Update, context: BotContext) -> None:
    """/history: the last lookups, newest first, each re-openable from cache."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    records = await context.services.lookup.recent(user_id, HISTORY_SIZE)
    text, markup = account.history_page(records, context.services.callbacks, user_id)
    await reply_html(message, context, text, reply_markup=markup)


async def _garage_view(
    context: BotContext, user_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    services = context.services
    entries = await services.garage.list(user_id)
    titles = {
        entry.vin: account.spec_title(await services.lookup.cached_spec(entry.vin))
        for entry in entries
    }
    if not all(titles.values()):  # the cache may be cold after a restart: ask the history
        for record in await services.lookup.recent(user_id, GARAGE_TITLE_LOOKBACK):
            if not titles.get(record.vin):
                titles[record.vin] = account.vehicle_title(record.year, record.make, record.model)
    return account.garage_page(
        entries,
        titles,
        services.callbacks,
        services.garage.limit,
        user_id,
        title_checks=services.extras.title_checks is not None,
    )


async def _rename(context: BotContext, user_id: int, args: list[str]) -> str:
    if len(args) < 2:  # noqa: PLR2004 - "rename" and the car
        return "Usage: <code>/garage rename VIN nickname</code>"
    target, nickname = args[1], " ".join(args[2:]) or None
    entries = await context.services.garage.list(user_id)
    if target.isdecimal() and 1 <= int(target) <= len(entries):  # "²".isdigit(), int("²") fails
        vin = entries[int(target) - 1].vin
    else:
        vin = analyse(target).vin
    try:
        await context.services.garage.rename(user_id, vin, nickname)
    except NotInGarage:
        return "That car isn't in your garage. /garage lists what is."
    except NicknameTooLong as exc:
        return f"A nickname has at most {exc.max_length} characters."
    return "Nickname cleared." if nickname is None else "Nickname saved."


async def on_garage(update: Update, context: BotContext) -> None:
    """/garage lists saved cars; /garage rename VIN nickname names one."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    args = context.args or []
    if args and args[0].lower() == "rename":
        await reply_html(message, context, await _rename(context, user_id, args))
        return
    text, markup = await _garage_view(context, user_id)
    await reply_html(message, context, text, reply_markup=markup)


async def on_settings(update: Update, context: BotContext) -> None:
    """/settings: units and recall alerts, with buttons to change them."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    settings = await context.services.user_settings.get(user_id)
    text, markup = account.settings_page(settings, context.services.callbacks, user_id)
    await reply_html(message, context, text, reply_markup=markup)


async def on_export(update: Update, context: BotContext) -> None:
    """/export: everything stored about the user, as a JSON file."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    if not is_private(message):  # the file would be posted for the whole group to read
        await reply_html(message, context, account.EXPORT_PRIVATE_ONLY)
        return
    try:
        export = await context.services.privacy.export_file(user_id)
    except ExportTooSoon as exc:
        await reply_html(message, context, account.export_too_soon(exc.retry_after))
        return
    except ExportBusy:
        await reply_html(message, context, account.EXPORT_BUSY)
        return
    await message.reply_document(
        InputFile(export.data, filename=f"vinbot-data-{user_id}.json"),
        caption=account.export_caption(export.lookups_included, export.lookups_omitted),
    )
    context.services.metrics.reply_sent("document")


async def on_forget(update: Update, context: BotContext) -> None:
    """/forget: asks for confirmation with a button before deleting anything."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    markup = account.forget_keyboard(context.services.callbacks, user_id)
    await reply_html(message, context, account.FORGET_ASK, reply_markup=markup)


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    with contextlib.suppress(BadRequest):  # "message is not modified" after a double tap
        await query.edit_message_text(text, reply_markup=markup)


async def save_pressed(query: CallbackQuery, context: BotContext, vin: str) -> None:
    """💾 Save under a decode: the car goes to the presser's garage."""
    try:
        await context.services.garage.add(presser_of(query).key, vin)
    except AlreadySaved:
        await query.answer("Already in your garage.")
        return
    except GarageFull as exc:
        await query.answer(
            f"Your garage is full ({exc.limit} cars). Remove one in /garage first.",
            show_alert=True,
        )
        return
    await query.answer("Saved to your garage. /garage lists your cars.")


async def garage_remove_pressed(query: CallbackQuery, context: BotContext, vin: str) -> None:
    """🗑 Remove on the garage page (its owner's, checked by on_callback): remove and redraw."""
    user_id = presser_of(query).key
    with contextlib.suppress(NotInGarage):
        await context.services.garage.remove(user_id, vin)
    await query.answer("Removed.")
    text, markup = await _garage_view(context, user_id)
    await _edit(query, text, markup)


async def settings_pressed(query: CallbackQuery, context: BotContext, callback: Callback) -> None:
    """A settings toggle (its owner's, checked by on_callback): apply it and redraw the page."""
    user_id = presser_of(query).key
    service = context.services.user_settings
    match callback.args:
        case ("units", "metric" | "imperial" as units):
            settings = await service.set_units(user_id, units)
        case ("alerts", "on" | "off" as state):
            settings = await service.set_recall_alerts(user_id, enabled=state == "on")
        case _:
            await query.answer(BUTTON_EXPIRED)
            return
    await query.answer("Saved.")
    text, markup = account.settings_page(settings, context.services.callbacks, user_id)
    await _edit(query, text, markup)


async def forget_pressed(query: CallbackQuery, context: BotContext, callback: Callback) -> None:
    """The /forget confirmation: only the person who asked can confirm it."""
    user_id = presser_of(query).key
    if callback.owner != user_id:  # on_callback refuses it first; this is a second lock
        await query.answer(account.NOT_YOUR_BUTTON, show_alert=True)
        return
    try:
        await context.services.privacy.forget_user(user_id)
        context.services.user_settings.forget(user_id)
    except VinbotError:
        await query.answer("Sorry, that didn't work. Please try again.", show_alert=True)
        return
    await query.answer()
    await _edit(query, account.FORGET_DONE, None)


async def _save_route(
    query: CallbackQuery, context: BotContext, _message: Message, _callback: Callback, vin: str
) -> None:
    await save_pressed(query, context, vin)


async def _garage_remove_route(
    query: CallbackQuery, context: BotContext, _message: Message, _callback: Callback, vin: str
) -> None:
    await garage_remove_pressed(query, context, vin)


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:
    """/history, /garage, /settings, /export, /forget and the buttons on their pages."""
    application.add_handlers(
        [
            user_command("history", on_history),
            user_command("garage", on_garage),
            user_command("settings", on_settings),
            user_command("export", on_export),
            user_command("forget", on_forget),
        ]
    )
    buttons.on_vin(CallbackAction.SAVE, _save_route)
    buttons.on_vin(CallbackAction.GARAGE_REMOVE, _garage_remove_route)
    buttons.on_vin(CallbackAction.HISTORY_OPEN, fresh_decode_pressed)
    buttons.on_vin(CallbackAction.GARAGE_OPEN, fresh_decode_pressed)
    buttons.on(CallbackAction.SETTINGS, settings_pressed)
    buttons.on(CallbackAction.FORGET_CONFIRM, forget_pressed)
