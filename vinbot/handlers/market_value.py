"""/value and the 💰 button: a short conversation (mileage, state, condition), then the value."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from telegram import CallbackQuery, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from vinbot.formatters import market_value as texts
from vinbot.formatters.html import render_invalid
from vinbot.handlers.account import person_asking
from vinbot.handlers.addressing import is_addressed_to_bot, without_mentions
from vinbot.handlers.context import ValueDraft
from vinbot.handlers.decode import (
    button_flood_guarded,
    flood_guarded,
    reply_html,
    send_decode,
    with_typing,
)
from vinbot.handlers.identity import press_key, requester_of, sender_of
from vinbot.handlers.language import words_for
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import InvalidInput, MarketValueNotFound, ProviderUnavailable
from vinbot.models.market_value import parse_condition, parse_mileage
from vinbot.models.plate import validate_state
from vinbot.models.vin import analyse, find_vins
from vinbot.services.extras import PaidFeatureRefused

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.i18n import Words
    from vinbot.models.callback import Callback, CallbackCodec

MILEAGE, STATE, CONDITION = range(3)
TIMEOUT_SECONDS = 300


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
) -> int:
    """Ask the first question; `allowed` is the flood guard: a valuation is one lookup, counted
    when it starts (so a refusal never throws away answers already typed)."""
    if not context.services.extras.paid_features:
        await reply_html(message, context, texts.no_key(words))
        return ConversationHandler.END
    analysis = analyse(raw_vin)
    if not analysis.valid:
        await reply_html(message, context, render_invalid(words, analysis))
        return ConversationHandler.END
    if not await allowed():
        return ConversationHandler.END
    user_data = context.user_data
    if user_data is None:
        return ConversationHandler.END
    user_data.value_drafts[message.chat.id] = ValueDraft(analysis.vin)
    await reply_html(message, context, texts.ask_mileage(words, analysis.vin))
    return MILEAGE


async def start_from_command(update: Update, context: BotContext) -> int:
    """/value VIN (a personal feature: not for anyone writing as a group or channel)."""
    found = await person_asking(update, context)
    if found is None:
        return ConversationHandler.END
    message, user_id = found
    words = await words_for(update, context)
    raw = " ".join(context.args or [])
    if not raw.strip():
        await reply_html(message, context, texts.usage(words))
        return ConversationHandler.END
    return await _begin(
        message, context, words, raw, lambda: flood_guarded(message, context, user_id)
    )


async def start_from_button(update: Update, context: BotContext) -> int | None:
    """💰 Market value under a decode (a double tap asks its first question once)."""
    query = update.callback_query
    if query is None or query.message is None:
        return ConversationHandler.END
    with context.services.presses.claim(press_key(query)) as first:
        if not first:
            await query.answer()
            return None  # the first tap's state stands
        return await _start_from_press(update, query, context)


async def _start_from_press(update: Update, query: CallbackQuery, context: BotContext) -> int:
    callback = context.services.callbacks.decode(query.data)
    if callback is None or not callback.parts:
        await query.answer()
        return ConversationHandler.END
    words = await words_for(update, context)
    refused = False

    async def allowed() -> bool:
        nonlocal refused
        refused = not await button_flood_guarded(query, context)  # a refusal answers the press
        return not refused

    state = await _begin(query.message, context, words, callback.parts[0], allowed)  # type: ignore[arg-type]
    if not refused:
        await query.answer()
    return state


def _draft(update: Update, context: BotContext) -> ValueDraft | None:
    chat = update.effective_chat
    if context.user_data is None or chat is None:
        return None
    return context.user_data.value_drafts.get(chat.id)


def _drop_draft(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if context.user_data is not None and chat is not None:
        context.user_data.value_drafts.pop(chat.id, None)


async def _left_for_a_vin(update: Update, context: BotContext, message: Message, text: str) -> bool:
    """A VIN sent mid-conversation is a new question: drop the valuation and decode it."""
    vins = find_vins(text)
    requester = sender_of(message)
    if not vins or requester is None or not analyse(vins[0]).valid:
        return False
    _drop_draft(update, context)
    await send_decode(message, context, vins[0], requester)
    return True


async def _typed_answer(update: Update, context: BotContext) -> tuple[Message, str] | None:
    """The text answering the current question, or None when the conversation is over."""
    message = update.effective_message
    if message is None or message.text is None or _draft(update, context) is None:
        return None
    text = without_mentions(message.text, context.bot.username)  # "@bot 45000" answers 45000
    if await _left_for_a_vin(update, context, message, text):
        return None
    return message, text


async def _ask_again(
    update: Update, message: Message, context: BotContext, exc: InvalidInput
) -> None:
    words = await words_for(update, context)
    await reply_html(message, context, texts.ask_again(words, exc))


async def got_mileage(update: Update, context: BotContext) -> int:
    """The mileage answer: validated, else asked again."""
    answer = await _typed_answer(update, context)
    draft = _draft(update, context)
    if answer is None or draft is None:
        return ConversationHandler.END
    message, text = answer
    try:
        draft.mileage = parse_mileage(text)
    except InvalidInput as exc:
        await _ask_again(update, message, context, exc)
        return MILEAGE
    words = await words_for(update, context)
    markup = texts.state_keyboard(words, context.services.callbacks)
    await reply_html(message, context, texts.ask_state(words), reply_markup=markup)
    return STATE


async def got_state(update: Update, context: BotContext) -> int:
    """A US state code, typed; validated, else asked again."""
    answer = await _typed_answer(update, context)
    draft = _draft(update, context)
    if answer is None or draft is None:
        return ConversationHandler.END
    message, text = answer
    try:
        draft.state = validate_state("US", text.strip())[1]
    except InvalidInput as exc:
        await _ask_again(update, message, context, exc)
        return STATE
    await _ask_condition(update, message, context)
    return CONDITION


async def _ask_condition(update: Update, message: Message, context: BotContext) -> None:
    words = await words_for(update, context)
    markup = texts.condition_keyboard(words, context.services.callbacks)
    await reply_html(message, context, texts.ask_condition(words), reply_markup=markup)


def _pressed(update: Update, context: BotContext) -> tuple[CallbackQuery, Message, Callback] | None:
    """The press on a conversation button, with its verified data (None when forged: the
    conversation's patterns let only signed data through, so this is a safety net)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return None
    callback = context.services.callbacks.decode(query.data)
    if callback is None:
        return None
    return query, query.message, callback


async def skipped_state(update: Update, context: BotContext) -> int:
    """Skip on the state question: a national value."""
    pressed = _pressed(update, context)
    if pressed is None:
        return ConversationHandler.END
    query, message, _ = pressed
    await query.answer()
    await _ask_condition(update, message, context)
    return CONDITION


async def condition_pressed(update: Update, context: BotContext) -> int:
    """A condition button (or Skip): fetch and show the value."""
    pressed = _pressed(update, context)
    if pressed is None:
        return ConversationHandler.END
    query, message, callback = pressed
    await query.answer()
    condition = None if callback.payload == texts.SKIP_PAYLOAD else callback.payload
    return await _finish(update, message, context, condition)


async def condition_typed(update: Update, context: BotContext) -> int:
    """A condition typed as a word."""
    answer = await _typed_answer(update, context)
    if answer is None:
        return ConversationHandler.END
    message, text = answer
    words = await words_for(update, context)
    try:
        condition = texts.condition_named(words, text) or parse_condition(text)
    except InvalidInput as exc:
        await _ask_again(update, message, context, exc)
        return CONDITION
    return await _finish(update, message, context, condition)


async def _finish(
    update: Update, message: Message, context: BotContext, condition: str | None
) -> int:
    draft = _draft(update, context)
    requester = requester_of(update)  # the person in the conversation (presser or writer)
    if draft is None or draft.mileage is None or requester is None:
        return ConversationHandler.END
    user_id = requester.key
    _drop_draft(update, context)
    services = context.services
    words = await words_for(update, context)
    try:
        value = await with_typing(
            message,
            services.extras.market_value(
                draft.vin,
                draft.mileage,
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
    return ConversationHandler.END


async def cancelled(update: Update, context: BotContext) -> int:
    """/cancel at any step."""
    _drop_draft(update, context)
    message = update.effective_message
    if message is not None:
        await reply_html(message, context, texts.cancelled(await words_for(update, context)))
    return ConversationHandler.END


async def timed_out(update: Update, context: BotContext) -> None:
    """No answer for TIMEOUT_SECONDS: say so once in the conversation's chat."""
    _drop_draft(update, context)
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, texts.timed_out(await words_for(update, context)))


def _signed(codec: CallbackCodec, action: CallbackAction) -> Callable[[object], bool]:
    """A pattern matching only data signed by the bot's codec for one action."""

    def matches(data: object) -> bool:
        callback = codec.decode(data if isinstance(data, str) else None)
        return callback is not None and callback.action is action

    return matches


def market_value_conversation(codec: CallbackCodec) -> ConversationHandler[BotContext]:
    """The /value conversation; every button's data (💰, Skip, the conditions) is signed and
    verified with the bot's codec, like every other button."""
    with warnings.catch_warnings():
        # PTB warns that callback queries are tracked per chat, not per message: intended here.
        warnings.filterwarnings("ignore", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("value", start_from_command),
                CallbackQueryHandler(
                    start_from_button, pattern=_signed(codec, CallbackAction.VALUE)
                ),
            ],
            states={
                MILEAGE: [MessageHandler(_ANSWER, got_mileage)],
                STATE: [
                    MessageHandler(_ANSWER, got_state),
                    CallbackQueryHandler(
                        skipped_state, pattern=_signed(codec, CallbackAction.VALUE_STATE)
                    ),
                ],
                CONDITION: [
                    CallbackQueryHandler(
                        condition_pressed, pattern=_signed(codec, CallbackAction.VALUE_CONDITION)
                    ),
                    MessageHandler(_ANSWER, condition_typed),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", cancelled)],
            conversation_timeout=TIMEOUT_SECONDS,
            # /value or 💰 again starts over, for the new car.
            allow_reentry=True,
            name="market_value",
        )


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:  # noqa: ARG001
    """/value and its buttons (💰, Skip, the conditions), all inside one conversation.

    Register this before any other feature: the conversation's answers ("85k", "CA") would
    otherwise be read as text for the decode.
    """
    application.add_handler(market_value_conversation(application.bot_data.services.callbacks))
