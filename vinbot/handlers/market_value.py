"""/value and the 💰 button: a short conversation (mileage, state, condition), then the value.

The conversation's state is a draft in the database (services/value_drafts.py), not PTB's
memory: the next answer may reach another instance, or this one after a deploy. Its handlers run
in their own group before the main one; each looks up the draft of (user, chat) and, when there
is one waiting for what arrived, handles the update and stops it there. Anything else (no draft,
another question pending) goes on to the main group as if the conversation were not there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import CallbackQuery, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from vinbot.formatters import market_value as texts
from vinbot.formatters.html import render_invalid
from vinbot.handlers.account import person_asking
from vinbot.handlers.addressing import is_addressed_to_bot, without_mentions
from vinbot.handlers.decode import (
    button_flood_guarded,
    flood_guarded,
    reply_html,
    send_decode,
    with_typing,
)
from vinbot.handlers.identity import press_key, presser_of, requester_of, sender_of
from vinbot.handlers.language import words_for
from vinbot.i18n import words_in
from vinbot.logs import get_logger
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import InvalidInput, MarketValueNotFound, ProviderUnavailable
from vinbot.models.market_value import parse_condition, parse_mileage
from vinbot.models.plate import validate_state
from vinbot.models.records import ValueDraft, ValueStep
from vinbot.models.vin import analyse, find_vins
from vinbot.services.extras import PaidFeatureRefused

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.i18n import Words
    from vinbot.models.callback import Callback, CallbackCodec

log = get_logger(__name__)

# Before the main group (the answers "85k", "CA" would be read as text for the decode there),
# after the observer that binds the log context.
VALUE_GROUP = -1
SWEEP_JOB = "value_drafts_sweep"
SWEEP_INTERVAL_SECONDS = 30


class _AddressedToBot(filters.MessageFilter):
    """A private message, or a group message replying to the bot or mentioning it."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        return is_addressed_to_bot(message, bot.id, bot.username)


# In a group only a reply to the bot's question or a message mentioning the bot answers it:
# everything else said there meanwhile is not for the bot, and no handler here sees it.
_ANSWER = filters.TEXT & ~filters.COMMAND & _AddressedToBot()


async def _begin(
    message: Message,
    context: BotContext,
    words: Words,
    raw_vin: str,
    allowed: Callable[[], Awaitable[bool]],
    *,
    user_id: int,
) -> None:
    """Ask the first question; `allowed` is the flood guard: a valuation is one lookup, counted
    when it starts (so a refusal never throws away answers already typed)."""
    if not context.services.extras.paid_features:
        await reply_html(message, context, texts.no_key(words))
        return
    analysis = analyse(raw_vin)
    if not analysis.valid:
        await reply_html(message, context, render_invalid(words, analysis))
        return
    if not await allowed():
        return
    # /value or 💰 again starts over, for the new car.
    await context.services.value_drafts.start(user_id, message.chat.id, analysis.vin)
    await reply_html(message, context, texts.ask_mileage(words, analysis.vin))


async def start_from_command(update: Update, context: BotContext) -> None:
    """/value VIN (a personal feature: not for anyone writing as a group or channel)."""
    found = await person_asking(update, context)
    if found is None:
        raise ApplicationHandlerStop
    message, user_id = found
    words = await words_for(update, context)
    raw = " ".join(context.args or [])
    if not raw.strip():
        await reply_html(message, context, texts.usage(words))
        raise ApplicationHandlerStop
    await _begin(
        message,
        context,
        words,
        raw,
        lambda: flood_guarded(message, context, user_id),
        user_id=user_id,
    )
    raise ApplicationHandlerStop


async def start_from_button(update: Update, context: BotContext) -> None:
    """💰 Market value under a decode (a double tap asks its first question once)."""
    query = update.callback_query
    if query is None or query.message is None:
        raise ApplicationHandlerStop
    async with context.services.presses.claim(press_key(query)) as first:
        if not first:
            await query.answer()
            raise ApplicationHandlerStop  # the first tap's question stands
        await _start_from_press(update, query, context)
    raise ApplicationHandlerStop


async def _start_from_press(update: Update, query: CallbackQuery, context: BotContext) -> None:
    callback = context.services.callbacks.decode(query.data)
    if callback is None or not callback.parts:
        await query.answer()
        return
    words = await words_for(update, context)
    refused = False

    async def allowed() -> bool:
        nonlocal refused
        refused = not await button_flood_guarded(query, context)  # a refusal answers the press
        return not refused

    await _begin(
        query.message,  # type: ignore[arg-type]
        context,
        words,
        callback.parts[0],
        allowed,
        user_id=presser_of(query).key,
    )
    if not refused:
        await query.answer()


async def _left_for_a_vin(
    draft: ValueDraft, context: BotContext, message: Message, text: str
) -> bool:
    """A VIN sent mid-conversation is a new question: drop the valuation and decode it."""
    vins = find_vins(text)
    requester = sender_of(message)
    if not vins or requester is None or not analyse(vins[0]).valid:
        return False
    await context.services.value_drafts.take(draft.user_id, draft.chat_id)
    await send_decode(message, context, vins[0], requester)
    return True


async def _ask_again(
    update: Update, message: Message, context: BotContext, exc: InvalidInput
) -> None:
    words = await words_for(update, context)
    await reply_html(message, context, texts.ask_again(words, exc))


async def on_answer(update: Update, context: BotContext) -> None:
    """Text addressed to the bot: the answer to the question waiting in this chat, if any."""
    message = update.effective_message
    sender = None if message is None else sender_of(message)
    if message is None or message.text is None or sender is None:
        return
    draft = await context.services.value_drafts.current(sender.key, message.chat.id)
    if draft is None:
        return  # no valuation here: the main group reads the text
    text = without_mentions(message.text, context.bot.username)  # "@bot 45000" answers 45000
    if not await _left_for_a_vin(draft, context, message, text):
        if draft.step is ValueStep.MILEAGE:
            await got_mileage(update, context, draft, message, text)
        elif draft.step is ValueStep.STATE:
            await got_state(update, context, draft, message, text)
        else:
            await condition_typed(update, context, draft, message, text)
    raise ApplicationHandlerStop


async def got_mileage(
    update: Update, context: BotContext, draft: ValueDraft, message: Message, text: str
) -> None:
    """The mileage answer: validated, else asked again."""
    try:
        mileage = parse_mileage(text)
    except InvalidInput as exc:
        await _ask_again(update, message, context, exc)
        return
    await context.services.value_drafts.answered_mileage(draft, mileage)
    words = await words_for(update, context)
    markup = texts.state_keyboard(words, context.services.callbacks)
    await reply_html(message, context, texts.ask_state(words), reply_markup=markup)


async def got_state(
    update: Update, context: BotContext, draft: ValueDraft, message: Message, text: str
) -> None:
    """A US state code, typed; validated, else asked again."""
    try:
        state = validate_state("US", text.strip())[1]
    except InvalidInput as exc:
        await _ask_again(update, message, context, exc)
        return
    await context.services.value_drafts.answered_state(draft, state)
    await _ask_condition(update, message, context)


async def _ask_condition(update: Update, message: Message, context: BotContext) -> None:
    words = await words_for(update, context)
    markup = texts.condition_keyboard(words, context.services.callbacks)
    await reply_html(message, context, texts.ask_condition(words), reply_markup=markup)


async def _pressed(
    update: Update, context: BotContext, step: ValueStep
) -> tuple[CallbackQuery, Message, Callback, ValueDraft] | None:
    """The press on a conversation button, with its verified data and the presser's draft
    waiting for that step (None: not this conversation's press; the router answers it)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return None
    callback = context.services.callbacks.decode(query.data)
    if callback is None:
        return None
    draft = await context.services.value_drafts.current(
        presser_of(query).key, query.message.chat.id
    )
    if draft is None or draft.step is not step:
        return None
    return query, query.message, callback, draft


async def skipped_state(update: Update, context: BotContext) -> None:
    """Skip on the state question: a national value."""
    pressed = await _pressed(update, context, ValueStep.STATE)
    if pressed is None:
        return
    query, message, _, draft = pressed
    await query.answer()
    await context.services.value_drafts.answered_state(draft, None)
    await _ask_condition(update, message, context)
    raise ApplicationHandlerStop


async def condition_pressed(update: Update, context: BotContext) -> None:
    """A condition button (or Skip): fetch and show the value."""
    pressed = await _pressed(update, context, ValueStep.CONDITION)
    if pressed is None:
        return
    query, message, callback, draft = pressed
    await query.answer()
    condition = None if callback.payload == texts.SKIP_PAYLOAD else callback.payload
    await _finish(update, message, context, draft, condition)
    raise ApplicationHandlerStop


async def condition_typed(
    update: Update, context: BotContext, draft: ValueDraft, message: Message, text: str
) -> None:
    """A condition typed as a word."""
    words = await words_for(update, context)
    try:
        condition = texts.condition_named(words, text) or parse_condition(text)
    except InvalidInput as exc:
        await _ask_again(update, message, context, exc)
        return
    await _finish(update, message, context, draft, condition)


async def _finish(
    update: Update,
    message: Message,
    context: BotContext,
    draft: ValueDraft,
    condition: str | None,
) -> None:
    services = context.services
    # Taken, not read: of two instances finishing one draft, one makes the (paid) call.
    taken = await services.value_drafts.take(draft.user_id, draft.chat_id)
    if taken is None or taken.mileage is None:
        return
    draft, mileage = taken, taken.mileage
    user_id = draft.user_id
    words = await words_for(update, context)
    try:
        value = await with_typing(
            message,
            services.extras.market_value(
                draft.vin,
                mileage,
                draft.state,
                condition,
                user_id=user_id,
                is_admin=user_id in services.settings.admin_ids,
            ),
        )
    except PaidFeatureRefused as exc:
        await reply_html(message, context, texts.refused(words, exc.decision))
    except MarketValueNotFound:
        await reply_html(message, context, texts.not_found(words))
    except InvalidInput as exc:
        await reply_html(message, context, texts.input_problem(words, exc))
    except ProviderUnavailable:
        await reply_html(message, context, texts.unavailable(words))
    else:
        await reply_html(message, context, texts.render_market_value(words, value))


async def cancelled(update: Update, context: BotContext) -> None:
    """/cancel at any step (without a valuation going on, the main group answers it)."""
    requester = requester_of(update)
    message = update.effective_message
    if message is None or requester is None:
        return
    if await context.services.value_drafts.take(requester.key, message.chat.id) is None:
        return
    await reply_html(message, context, texts.cancelled(await words_for(update, context)))
    raise ApplicationHandlerStop


async def sweep_drafts(context: BotContext) -> None:
    """Drop the drafts nobody answered in time and say so once in each one's chat (whichever
    instance sweeps first takes them)."""
    for draft in await context.services.value_drafts.sweep():
        # The pick, else the language_code Telegram last sent for them (kept with the user).
        words = words_in(await context.services.user_settings.language_of(draft.user_id))
        try:
            await context.bot.send_message(draft.chat_id, texts.timed_out(words))
        except TelegramError as exc:
            log.warning("value_timeout_not_sent", error_type=type(exc).__name__)


def _signed(codec: CallbackCodec, action: CallbackAction) -> Callable[[object], bool]:
    """A pattern matching only data signed by the bot's codec for one action."""

    def matches(data: object) -> bool:
        callback = codec.decode(data if isinstance(data, str) else None)
        return callback is not None and callback.action is action

    return matches


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:  # noqa: ARG001
    """/value, its answers and its buttons (💰, Skip, the conditions), in VALUE_GROUP; every
    button's data is signed and verified with the bot's codec, like every other button; and the
    sweep of drafts nobody answered."""
    codec = application.bot_data.services.callbacks
    application.add_handlers(
        [
            CommandHandler("value", start_from_command),
            CommandHandler("cancel", cancelled),
            CallbackQueryHandler(start_from_button, pattern=_signed(codec, CallbackAction.VALUE)),
            CallbackQueryHandler(skipped_state, pattern=_signed(codec, CallbackAction.VALUE_STATE)),
            CallbackQueryHandler(
                condition_pressed, pattern=_signed(codec, CallbackAction.VALUE_CONDITION)
            ),
            MessageHandler(_ANSWER, on_answer),
        ],
        group=VALUE_GROUP,
    )
    queue = application.job_queue
    if queue is None:  # pragma: no cover - the job-queue extra is a pinned requirement
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    queue.run_repeating(
        sweep_drafts,
        interval=SWEEP_INTERVAL_SECONDS,
        first=SWEEP_INTERVAL_SECONDS,
        name=SWEEP_JOB,
    )
