"""/privacy (what is stored and for how long), /export and /forget."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram import InputFile
from telegram.error import BadRequest

from vinbot.formatters import privacy
from vinbot.formatters.account import not_your_button, try_again
from vinbot.handlers.account import person_asking
from vinbot.handlers.addressing import is_private
from vinbot.handlers.decode import reply_html
from vinbot.handlers.identity import presser_of
from vinbot.handlers.language import words_for, words_for_press
from vinbot.handlers.routing import user_command
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import VinbotError
from vinbot.services.privacy import ExportBusy, ExportTooSoon

if TYPE_CHECKING:
    from telegram import CallbackQuery, Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.models.callback import Callback


async def on_privacy(update: Update, context: BotContext) -> None:
    """/privacy: what is stored, for how long, who sees it, and how /export and /forget work.
    Anyone may read it (in groups too): it says nothing about the person asking."""
    message = update.effective_message
    if message is None:
        return
    words = await words_for(update, context)
    settings = context.services.settings
    text = privacy.privacy_page(
        words,
        history_days=settings.history_days,
        history_max=settings.history_max_per_user,
        garage_limit=context.services.garage.limit,
    )
    await reply_html(message, context, text)


async def on_export(update: Update, context: BotContext) -> None:
    """/export: everything stored about the user, as a JSON file."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    words = await words_for(update, context)
    if not is_private(message):  # the file would be posted for the whole group to read
        await reply_html(message, context, privacy.export_private_only(words))
        return
    try:
        export = await context.services.privacy.export_file(user_id)
    except ExportTooSoon as exc:
        await reply_html(message, context, privacy.export_too_soon(words, exc.retry_after))
        return
    except ExportBusy:
        await reply_html(message, context, privacy.export_busy(words))
        return
    await message.reply_document(
        InputFile(export.data, filename=f"vinbot-data-{user_id}.json"),
        caption=privacy.export_caption(words, export.lookups_included, export.lookups_omitted),
    )
    context.services.metrics.reply_sent("document")


async def on_forget(update: Update, context: BotContext) -> None:
    """/forget: asks for confirmation with a button before deleting anything."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    words = await words_for(update, context)
    markup = privacy.forget_keyboard(words, context.services.callbacks, user_id)
    await reply_html(message, context, privacy.forget_ask(words), reply_markup=markup)


async def forget_pressed(query: CallbackQuery, context: BotContext, callback: Callback) -> None:
    """The /forget confirmation: only the person who asked can confirm it."""
    user_id = presser_of(query).key
    # Read before the deletion: the answer is in the language the person was using.
    words = await words_for_press(query, context)
    if callback.owner != user_id:  # on_callback refuses it first; this is a second lock
        await query.answer(not_your_button(words), show_alert=True)
        return
    try:
        await context.services.privacy.forget_user(user_id)
        context.services.user_settings.forget(user_id)
    except VinbotError:
        await query.answer(try_again(words), show_alert=True)
        return
    await query.answer()
    with contextlib.suppress(BadRequest):  # "message is not modified" after a double tap
        await query.edit_message_text(privacy.forget_done(words), reply_markup=None)


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:
    """/privacy, /export, /forget and the /forget confirmation."""
    application.add_handlers(
        [
            user_command("privacy", on_privacy),
            user_command("export", on_export),
            user_command("forget", on_forget),
        ]
    )
    buttons.on(CallbackAction.FORGET_CONFIRM, forget_pressed)
