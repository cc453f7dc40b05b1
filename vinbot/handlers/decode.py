"""VINs in text, captions and /vin: pull the VINs apart, call the lookup service, reply."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from telegram import Message
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from vinbot.formatters import messages
from vinbot.formatters.html import CAPTION_LIMIT, render_decode, render_invalid
from vinbot.formatters.keyboards import decode_keyboard, suggestion_keyboard
from vinbot.handlers.addressing import is_addressed_to_bot, is_private, without_mentions
from vinbot.handlers.identity import presser_of, sender_of
from vinbot.handlers.language import words_for, words_for_message, words_for_press
from vinbot.handlers.routing import expired, user_command
from vinbot.logs import get_logger
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import InvalidVin
from vinbot.models.vin import analyse
from vinbot.models.vin_request import parse_vin_request

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from telegram import CallbackQuery, Update, User

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.identity import Requester
    from vinbot.handlers.routing import ButtonRouter, VinRoute
    from vinbot.i18n import Words
    from vinbot.models.callback import Callback
    from vinbot.models.vehicle import DecodeResult

log = get_logger(__name__)

# A decode that waits on an upstream shows "typing…" once it takes noticeably long; a cached
# one never does (under load even a cache hit can queue, and the indicator costs a request).
TYPING_AFTER_SECONDS = 1.0


async def with_typing[T](message: Message, work: Awaitable[T]) -> T:
    """Await work, showing "typing…" in the chat if it takes noticeably long.

    The work is awaited directly and the indicator started by a timer: wrapping the work in a
    task to wait on it with a timeout would add two turns of the event loop to every decode,
    each long while a burst of updates is handled.
    """
    loop = asyncio.get_running_loop()
    typing: list[asyncio.Task[None]] = []
    timer = loop.call_later(
        TYPING_AFTER_SECONDS, lambda: typing.append(loop.create_task(_show_typing(message)))
    )
    try:
        return await work
    except BaseException:
        for shown in typing:
            shown.cancel()
        raise
    finally:
        timer.cancel()
        # A "typing…" already on its way goes out before the answer, as the user expects.
        await asyncio.gather(*typing, return_exceptions=True)


async def _show_typing(message: Message) -> None:
    with contextlib.suppress(TelegramError):
        await message.get_bot().send_chat_action(message.chat_id, ChatAction.TYPING)


def language_code_of(user: User | None) -> str | None:
    """Telegram's language for a user (units follow it until they pick their own)."""
    return user.language_code if user is not None else None


async def reply_html(message: Message, context: BotContext, text: str, **kwargs: object) -> None:
    """Reply in the same chat, quoting the user's message in groups only."""
    await message.reply_html(text, do_quote=not is_private(message), **kwargs)  # type: ignore[arg-type]
    context.services.metrics.reply_sent("message")


async def flood_guarded(
    message: Message,
    context: BotContext,
    user_id: int,
    *,
    found_vin: bool = False,
    words: Words | None = None,
) -> bool:
    """Whether the user may have another lookup now; says "slow down" once when not (every
    time when a VIN was just found for them, so they know to send it themselves later).
    `words`: the writer's, when the caller has them already."""
    decision = await context.services.flood_guard.admit(user_id)
    if decision.allowed or not (found_vin or decision.first_refusal):
        return decision.allowed
    words = words or await words_for_message(message, context)
    text = (
        messages.slow_down_found(words, decision.retry_after)
        if found_vin
        else messages.slow_down(words, decision.retry_after)
    )
    await reply_html(message, context, text)
    return False


async def button_flood_guarded(
    query: CallbackQuery, context: BotContext, *, words: Words | None = None
) -> bool:
    """Whether the presser may have another lookup now; a refusal answers the press itself (an
    alert the first time, a toast after), never a message in the chat."""
    decision = await context.services.flood_guard.admit(presser_of(query).key, "button")
    if not decision.allowed:
        words = words or await words_for_press(query, context)
        await query.answer(
            messages.slow_down_button(words, decision.retry_after),
            show_alert=decision.first_refusal,
        )
    return decision.allowed


async def send_decode(
    message: Message,
    context: BotContext,
    vin: str,
    requester: Requester,
    *,
    counted: bool = False,
    found: bool = False,
    words: Words | None = None,
    language_code: str | None = None,
) -> None:
    """Decode one VIN for a requester (flood-guarded unless `counted` already; `found` when a
    plate or photo lookup just produced it) and reply with the answer or the reason, in
    `words` (else the message writer's) and the units for `language_code` until they pick."""
    services = context.services
    user_id = requester.key
    words = words or await words_for_message(message, context)
    if not counted and not await flood_guarded(
        message, context, user_id, found_vin=found, words=words
    ):
        return
    is_admin = requester.is_admin(services.settings.admin_ids)
    # A chat writing as itself has no history to look at: none is kept for it.
    decode = services.lookup.lookup if requester.personal else services.lookup.reopen
    work = decode(vin, user_id=user_id, is_admin=is_admin)
    if not await services.lookup.is_cached(vin):
        work = with_typing(message, work)
    try:
        result: DecodeResult = await work
    except InvalidVin as exc:
        await reply_invalid(message, context, exc, words=words)
        return
    if language_code is None and requester.personal:
        language_code = language_code_of(message.from_user)
    await reply_decode(
        message, context, result, requester, words=words, language_code=language_code
    )


async def reply_decode(
    message: Message,
    context: BotContext,
    result: DecodeResult,
    requester: Requester,
    *,
    words: Words,
    language_code: str | None = None,
) -> None:
    """The decode answer: a photo of the model with the summary as caption when one is known,
    otherwise (or when the photo fails to send) the summary as text."""
    services = context.services
    user_id = requester.key
    units = await services.lookup.units_for(user_id, language_code)
    market_value = services.extras.paid_features
    markup = decode_keyboard(
        words,
        services.callbacks,
        result.analysis,
        expanded=False,
        market_value=market_value,
        offline_only=result.offline_only,
    )
    is_admin = requester.is_admin(services.settings.admin_ids)
    photo = await services.extras.photo_url(result.spec, user_id=user_id, is_admin=is_admin)
    if photo is not None:
        caption = render_decode(
            words, result, units=units, limit=CAPTION_LIMIT, market_value=market_value
        )
        try:
            await message.reply_photo(
                photo, caption=caption, reply_markup=markup, do_quote=not is_private(message)
            )
        except BadRequest as exc:  # Telegram could not fetch or use the picture
            log.info("photo_not_sent", error=str(exc))
        else:
            services.metrics.reply_sent("photo")
            return
    text = render_decode(words, result, units=units, market_value=market_value)
    await reply_html(message, context, text, reply_markup=markup)


async def reply_invalid(
    message: Message, context: BotContext, exc: InvalidVin, *, words: Words | None = None
) -> None:
    """Explain why a VIN cannot be decoded, with a button for the suggested correction
    (in `words`, else the message writer's)."""
    words = words or await words_for_message(message, context)
    suggestion = exc.analysis.suggestion
    markup = None
    if suggestion and analyse(suggestion).valid:
        markup = suggestion_keyboard(words, context.services.callbacks, suggestion)
    await reply_html(message, context, render_invalid(words, exc.analysis), reply_markup=markup)


async def answer_text(
    message: Message, context: BotContext, text: str, *, hint: bool, words: Words | None = None
) -> None:
    """Decode every VIN in text (up to the cap), explain near misses, or hint once."""
    requester = sender_of(message)
    if requester is None:
        return
    request = parse_vin_request(text, max_vins=messages.MAX_VINS_PER_MESSAGE)
    if request.empty and not (
        hint and context.services.hints.should_hint(message.chat_id, "no_vin")
    ):
        return
    words = words or await words_for_message(message, context)
    if request.empty:
        await reply_html(message, context, messages.no_vin_hint(words))
        return
    for vin in request.vins:
        await send_decode(message, context, vin, requester, words=words)
    for attempt in request.attempts:
        await reply_invalid(message, context, InvalidVin(analyse(attempt)), words=words)
    if request.skipped:
        await reply_html(message, context, messages.too_many_vins(words, request.skipped))


def addressed_text(message: Message, context: BotContext, text: str) -> str | None:
    """The text to read, or None when a group message is not meant for the bot."""
    bot = context.bot
    if not is_addressed_to_bot(message, bot.id, bot.username):
        return None
    return without_mentions(text, bot.username)


async def on_vin_command(update: Update, context: BotContext) -> None:
    """/vin VIN: decode what follows the command, in any chat."""
    message = update.effective_message
    if message is None:
        return
    words = await words_for(update, context)
    text = " ".join(context.args or [])
    if not text.strip():
        await reply_html(message, context, messages.vin_command_usage(words))
        return
    await answer_text(message, context, text, hint=False, words=words)
    if parse_vin_request(text).empty:
        await reply_html(message, context, messages.no_vin_hint(words))


def flood_guarded_route(route: VinRoute) -> VinRoute:
    """The button route, run only when the presser may have another lookup now."""

    async def guarded(
        query: CallbackQuery, context: BotContext, message: Message, callback: Callback, vin: str
    ) -> None:
        if await button_flood_guarded(query, context):
            await route(query, context, message, callback, vin)

    return guarded


async def _toggle_specs(
    query: CallbackQuery, context: BotContext, vin: str, *, expanded: bool
) -> None:
    services = context.services
    user_id = presser_of(query).key
    words = await words_for_press(query, context)
    # The answer on screen is usually cached: showing it another way reaches no upstream and
    # costs nothing. Only when it has left the cache is the toggle a lookup (flood-guarded).
    result = await services.lookup.reopen_cached(vin)
    if result is None:
        if not await button_flood_guarded(query, context, words=words):
            return
        try:
            result = await services.lookup.reopen(
                vin, user_id=user_id, is_admin=user_id in services.settings.admin_ids
            )
        except InvalidVin:
            await expired(query, words)
            return
    await query.answer()
    units = await services.lookup.units_for(user_id, language_code_of(query.from_user))
    market_value = services.extras.paid_features
    text = render_decode(words, result, expanded=expanded, units=units, market_value=market_value)
    markup = decode_keyboard(
        words,
        services.callbacks,
        result.analysis,
        expanded=expanded,
        market_value=market_value,
        offline_only=result.offline_only,
    )
    if isinstance(query.message, Message) and query.message.photo:
        # A caption is too short for the full specs: they go in a message of their own.
        await query.message.reply_html(text, reply_markup=markup)
        services.metrics.reply_sent("message")
        return
    with contextlib.suppress(BadRequest):  # "message is not modified" after a double tap
        await query.edit_message_text(text, reply_markup=markup)
    services.metrics.reply_sent("edit")


async def specs_pressed(
    query: CallbackQuery, context: BotContext, _message: Message, callback: Callback, vin: str
) -> None:
    """Full specs / Summary under a decode: the same answer shown the other way."""
    await _toggle_specs(query, context, vin, expanded=callback.action is CallbackAction.SPECS)


@flood_guarded_route
async def fresh_decode_pressed(
    query: CallbackQuery, context: BotContext, message: Message, _callback: Callback, vin: str
) -> None:
    """A button that decodes its VIN afresh in the chat (sample, suggestion, re-open)."""
    await query.answer()
    words = await words_for_press(query, context)
    await send_decode(
        message,
        context,
        vin,
        presser_of(query),
        counted=True,
        words=words,
        language_code=language_code_of(query.from_user),
    )


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:
    """/vin and the buttons under a decode."""
    application.add_handler(user_command("vin", on_vin_command))
    buttons.on_vin(CallbackAction.SPECS, specs_pressed)
    buttons.on_vin(CallbackAction.SUMMARY, specs_pressed)
    buttons.on_vin(CallbackAction.DECODE, fresh_decode_pressed)
