"""/check VIN and the 🛡 buttons: offer the theft and title check, spend only on confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Message
from telegram.error import BadRequest

from vinbot.formatters import title_check as texts
from vinbot.handlers.account import person_asking
from vinbot.handlers.addressing import is_private
from vinbot.handlers.decode import button_flood_guarded, reply_html, reply_invalid, with_typing
from vinbot.handlers.identity import presser_of
from vinbot.handlers.language import words_for, words_for_press
from vinbot.handlers.routing import user_command
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import InvalidVin, ProviderUnavailable
from vinbot.models.title_check import TitleCheck
from vinbot.services.extras import PaidFeatureRefused
from vinbot.services.title_check import NotUsMarket

if TYPE_CHECKING:
    from telegram import CallbackQuery, Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.i18n import Words
    from vinbot.models.callback import Callback


def _not_us_market(words: Words, exc: NotUsMarket) -> str:
    analysis = exc.analysis
    return texts.not_us_market(words, analysis.vin, analysis.country, analysis.region)


async def offer_check(
    message: Message,
    context: BotContext,
    words: Words,
    raw_vin: str,
    *,
    user_id: int,
    name: str | None = None,
) -> None:
    """The cached answer (free), or what a check costs with a confirm button for this user
    (`name`d in a group, where "your lookups" could be anyone's)."""
    services = context.services
    checks = services.extras.title_checks
    if checks is None:
        await reply_html(message, context, texts.no_key(words))
        return
    try:
        found = await checks.offer(
            raw_vin, user_id=user_id, is_admin=user_id in services.settings.admin_ids
        )
    except NotUsMarket as exc:
        await reply_html(message, context, _not_us_market(words, exc))
        return
    except InvalidVin as exc:
        await reply_invalid(message, context, exc)
        return
    if isinstance(found, TitleCheck):
        await reply_html(message, context, texts.render_check(words, found))
        return
    markup = texts.offer_keyboard(words, services.callbacks, found, user_id)
    asker = None if is_private(message) else name
    await reply_html(message, context, texts.render_offer(words, found, asker), reply_markup=markup)


async def on_check_command(update: Update, context: BotContext) -> None:
    """/check VIN (spends the asker's own allowance: not for anyone writing as a chat)."""
    found = await person_asking(update, context)
    if found is None:
        return
    message, user_id = found
    words = await words_for(update, context)
    raw = " ".join(context.args or [])
    if not raw.strip():
        await reply_html(message, context, texts.usage(words))
        return
    user = update.effective_user
    name = user.first_name if user else None
    await offer_check(message, context, words, raw, user_id=user_id, name=name)


async def title_button_pressed(
    query: CallbackQuery, context: BotContext, words: Words, vin: str, *, confirm: bool
) -> None:
    """🛡 (the offer, which reaches no upstream) or ✅ (the flood-guarded, paid check)."""
    if confirm:
        await _confirmed(query, context, words, vin)
    else:
        await _offer_pressed(query, context, words, vin)


async def _offer_pressed(query: CallbackQuery, context: BotContext, words: Words, vin: str) -> None:
    """🛡 under a decode or a garage car: the offer, for the person who pressed."""
    await query.answer()
    if isinstance(query.message, Message):
        name = query.from_user.first_name
        user_id = presser_of(query).key
        await offer_check(query.message, context, words, vin, user_id=user_id, name=name)


async def _confirmed(query: CallbackQuery, context: BotContext, words: Words, vin: str) -> None:
    """✅ on an offer (its owner's, checked by on_callback): run the check, answer in place."""
    message = query.message
    services = context.services
    checks = services.extras.title_checks
    if not isinstance(message, Message) or checks is None:
        await query.answer()
        return
    if not await button_flood_guarded(query, context):
        return
    await query.answer()
    user_id = presser_of(query).key
    try:
        check = await with_typing(
            message,
            checks.check(vin, user_id=user_id, is_admin=user_id in services.settings.admin_ids),
        )
    except PaidFeatureRefused as exc:
        text = texts.refused(words, exc.decision)
    except NotUsMarket as exc:
        text = _not_us_market(words, exc)
    except (InvalidVin, ProviderUnavailable):
        text = texts.unavailable(words)
    else:
        text = texts.render_check(words, check)
    try:
        await query.edit_message_text(text)  # the offer becomes the answer: no button left
    except BadRequest as exc:
        if "not modified" in str(exc).lower():  # a second press showed the same answer
            return
        await reply_html(message, context, text)  # the offer is gone: a new message instead
    else:
        services.metrics.reply_sent("edit")


async def _title_route(
    query: CallbackQuery, context: BotContext, _message: Message, callback: Callback, vin: str
) -> None:
    confirm = callback.action is CallbackAction.TITLE_CONFIRM
    words = await words_for_press(query, context)
    await title_button_pressed(query, context, words, vin, confirm=confirm)


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:
    """/check and its 🛡 and ✅ buttons."""
    application.add_handler(user_command("check", on_check_command))
    buttons.on_vin(CallbackAction.TITLE_CHECK, _title_route)
    buttons.on_vin(CallbackAction.TITLE_CONFIRM, _title_route)
