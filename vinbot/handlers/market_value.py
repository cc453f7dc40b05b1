"""/value and the 💰 button: a short conversation (mileage, state, condition), then the value."""

from __future__ import annotations

import re
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
from vinbot.formatters.html import esc_error, render_invalid
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
from vinbot.handlers.language import words_for_message
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import InvalidInput, MarketValueNotFound, ProviderUnavailable
from vinbot.models.market_value import parse_condition, parse_mileage
from vinbot.models.plate import validate_state
from vinbot.models.vin import analyse, find_vins
from vinbot.services.extras import PaidFeatureRefused

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from vinbot.handlers.context import BotContext
    from vinbot.models.callback import CallbackCodec

MILEAGE, STATE, CONDITION = range(3)
TIMEOUT_SECONDS = 300
_STATE_BUTTON = re.compile(r"^mv:state:skip$")
_CONDITION_BUTTON = re.compile(r"^mv:cond:(excellent|clean|average|rough|skip)$")


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
    message: Message, context: BotContext, raw_vin: str, allowed: Callable[[], Awaitable[bool]]
) -> int:
    """Ask the first question; `allowed` is the flood guard: a valuation is one lookup, counted
    when it starts (so a refusal never throws away answers already typed)."""
    if not context.services.extras.paid_features:
        await reply_html(message, context, texts.NO_KEY)
        return ConversationHandler.END
    analysis = analyse(raw_vin)
    if not analysis.valid:
        words = await words_for_message(message, context)
        await reply_html(message, context, render_invalid(words, analysis))
        return ConversationHandler.END
    if not await allowed():
        return ConversationHandler.END
    user_data = context.user_data
    if user_data is None:
        return ConversationHandler.END
    user_data.value_drafts[message.chat.id] = ValueDraft(analysis.vin)
    await reply_html(message, context, texts.ASK_MILEAGE.format(vin=analysis.vin))
    return MILEAGE


async def start_from_command(update: Update, context: BotContext) -> int:
    """/value VIN (a personal feature: not for anyone writing as a group or channel)."""
    found = await person_asking(update, context)
    if found is None:
        return ConversationHandler.END
    message, user_id = found
    raw = " ".join(context.args or [])
    if not raw.strip():
        await reply_html(message, context, texts.USAGE)
        return ConversationHandler.END
    return await _begin(message, context, raw, lambda: flood_guarded(message, context, user_id))


async def start_from_button(update: Update, context: BotContext) -> int | None:
    """💰 Market value under a decode (a double tap asks its first question once)."""
    query = update.callback_query
    if query is None or query.message is None:
        return ConversationHandler.END
    with context.services.presses.claim(press_key(query)) as first:
        if not first:
            await query.answer()
            return None  # the first tap's state stands
        return await _start_from_press(query, context)


async def _start_from_press(query: CallbackQuery, context: BotContext) -> int:
    callback = context.services.callbacks.decode(query.data)
    if callback is None or not callback.parts:
        await query.answer()
        return ConversationHandler.END
    refused = False

    async def allowed() -> bool:
        nonlocal refused
        refused = not await button_flood_guarded(query, context)  # a refusal answers the press
        return not refused

    state = await _begin(query.message, context, callback.parts[0], allowed)  # type: ignore[arg-type]
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


async def _ask_again(message: Message, context: BotContext, exc: InvalidInput) -> None:
    await reply_html(message, context, f"{esc_error(exc)} /cancel stops.")


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
        await _ask_again(message, context, exc)
        return MILEAGE
    await reply_html(message, context, texts.ASK_STATE, reply_markup=texts.state_keyboard())
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
        await _ask_again(message, context, exc)
        return STATE
    await reply_html(message, context, texts.ASK_CONDITION, reply_markup=texts.condition_keyboard())
    return CONDITION


async def skipped_state(update: Update, context: BotContext) -> int:
    """Skip on the state question: a national value."""
    query = update.callback_query
    if query is None or query.message is None:
        return ConversationHandler.END
    await query.answer()
    await reply_html(
        query.message,  # type: ignore[arg-type]
        context,
        texts.ASK_CONDITION,
        reply_markup=texts.condition_keyboard(),
    )
    return CONDITION


async def condition_pressed(update: Update, context: BotContext) -> int:
    """A condition button (or Skip): fetch and show the value."""
    query = update.callback_query
    if query is None or query.message is None or query.data is None:
        return ConversationHandler.END
    await query.answer()
    choice = query.data.rsplit(":", 1)[-1]
    condition = None if choice == "skip" else choice
    return await _finish(update, query.message, context, condition)  # type: ignore[arg-type]


async def condition_typed(update: Update, context: BotContext) -> int:
    """A condition typed as a word."""
    answer = await _typed_answer(update, context)
    if answer is None:
        return ConversationHandler.END
    message, text = answer
    try:
        condition = parse_condition(text)
    except InvalidInput as exc:
        await _ask_again(message, context, exc)
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
        await reply_html(message, context, f"Market values are paid lookups. {esc_error(exc)}")
    except MarketValueNotFound:
        await reply_html(message, context, texts.NOT_FOUND)
    except InvalidInput as exc:
        await reply_html(message, context, esc_error(exc))
    except ProviderUnavailable:
        await reply_html(message, context, texts.UNAVAILABLE)
    else:
        await reply_html(message, context, texts.render_market_value(value))
    return ConversationHandler.END


async def cancelled(update: Update, context: BotContext) -> int:
    """/cancel at any step."""
    _drop_draft(update, context)
    message = update.effective_message
    if message is not None:
        await reply_html(message, context, texts.CANCELLED)
    return ConversationHandler.END


async def timed_out(update: Update, context: BotContext) -> None:
    """No answer for TIMEOUT_SECONDS: say so once in the conversation's chat."""
    _drop_draft(update, context)
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, texts.TIMED_OUT)


def market_value_conversation(codec: CallbackCodec) -> ConversationHandler[BotContext]:
    """The /value conversation; the 💰 button's data is verified with the bot's codec."""

    def is_value_button(data: object) -> bool:
        callback = codec.decode(data if isinstance(data, str) else None)
        return callback is not None and callback.action is CallbackAction.VALUE

    with warnings.catch_warnings():
        # PTB warns that callback queries are tracked per chat, not per message: intended here.
        warnings.filterwarnings("ignore", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("value", start_from_command),
                CallbackQueryHandler(start_from_button, pattern=is_value_button),
            ],
            states={
                MILEAGE: [MessageHandler(_ANSWER, got_mileage)],
                STATE: [
                    MessageHandler(_ANSWER, got_state),
                    CallbackQueryHandler(skipped_state, pattern=_STATE_BUTTON),
                ],
                CONDITION: [
                    CallbackQueryHandler(condition_pressed, pattern=_CONDITION_BUTTON),
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
