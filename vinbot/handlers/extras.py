"""/recalls, /plate and VIN-from-a-photo: the follow-ups beyond the decode."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, TelegramError

from vinbot.formatters import extras as texts
from vinbot.formatters.html import esc_error
from vinbot.formatters.recalls import RECALLS_UNAVAILABLE, recalls_keyboard, render_recalls
from vinbot.handlers.decode import (
    flood_guarded,
    flood_guarded_route,
    fresh_decode_pressed,
    reply_html,
    send_decode,
    with_typing,
)
from vinbot.handlers.identity import presser_of, requester_of, sender_of
from vinbot.handlers.routing import user_command
from vinbot.logs import get_logger
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import (
    ImageRejected,
    ImageTooLarge,
    InvalidInput,
    InvalidVin,
    LookupNotFound,
    PlateNotFound,
    PlateRegionRejected,
    ProviderUnavailable,
    QuotaExceeded,
    RecallsUnavailable,
    VinNotFound,
)
from vinbot.models.ocr import Candidates, Decided
from vinbot.models.vin import analyse
from vinbot.services.extras import PaidFeatureRefused

if TYPE_CHECKING:
    from telegram import CallbackQuery, Update

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.identity import Requester
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.models.callback import Callback
    from vinbot.models.recalls import RecallOutcome

log = get_logger(__name__)

# Telegram bots may download files up to 20 MB; VIN OCR needs far less.
MAX_IMAGE_BYTES = 5_000_000


async def _recalls_for(context: BotContext, vin: str, user_id: int) -> RecallOutcome | str:
    """The recall outcome, or the text to show instead."""
    services = context.services
    try:
        return await services.extras.recalls(
            vin, user_id=user_id, is_admin=user_id in services.settings.admin_ids
        )
    except InvalidVin:
        return texts.RECALLS_NEED_VIN
    except (RecallsUnavailable, ProviderUnavailable, VinNotFound):
        return RECALLS_UNAVAILABLE


async def send_recalls(message: Message, context: BotContext, vin: str, user_id: int) -> None:
    """The first page of a VIN's recalls, as a new message."""
    outcome = await with_typing(message, _recalls_for(context, vin, user_id))
    if isinstance(outcome, str):
        await reply_html(message, context, outcome)
        return
    markup = recalls_keyboard(context.services.callbacks, vin, outcome, 0)
    await reply_html(message, context, render_recalls(outcome, 0), reply_markup=markup)


async def recalls_page_pressed(query: CallbackQuery, context: BotContext, payload: str) -> None:
    """◀️/▶️ under a recall report: show another page in place."""
    vin, _, page_text = payload.partition(":")
    page = int(page_text) if page_text.isdecimal() else 0
    await query.answer()  # at once: a slow lookup must not outlive the button's spinner
    outcome = await _recalls_for(context, vin, presser_of(query).key)
    if isinstance(outcome, str):
        text, markup = outcome, None
    else:
        text = render_recalls(outcome, page)
        markup = recalls_keyboard(context.services.callbacks, vin, outcome, page)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text, reply_markup=markup)


async def on_recalls_command(update: Update, context: BotContext) -> None:
    """/recalls VIN."""
    message = update.effective_message
    requester = requester_of(update)
    if message is None or requester is None:
        return
    text = " ".join(context.args or [])
    if not text.strip():
        await reply_html(message, context, texts.RECALLS_USAGE)
        return
    analysis = analyse(text)
    # Only a valid VIN reaches an upstream; anything else is explained for free.
    if analysis.valid and not await flood_guarded(message, context, requester.key):
        return
    await send_recalls(message, context, analysis.vin, requester.key)


def _plate_error(exc: Exception) -> str:
    if isinstance(exc, PaidFeatureRefused):
        return f"Plate lookups are paid lookups. {esc_error(exc)}"
    if isinstance(exc, PlateRegionRejected):
        return texts.PLATE_REGION_REJECTED
    if isinstance(exc, PlateNotFound):
        return texts.PLATE_NOT_FOUND
    if isinstance(exc, InvalidInput):
        return f"{esc_error(exc)} {texts.PLATE_USAGE}"
    return texts.PLATE_UNAVAILABLE


async def on_plate_command(update: Update, context: BotContext) -> None:
    """/plate PLATE STATE [COUNTRY]: find the VIN behind a plate, then decode it."""
    message = update.effective_message
    requester = requester_of(update)
    if message is None or requester is None:
        return
    services = context.services
    if not services.extras.paid_features:
        await reply_html(message, context, texts.PLATE_NO_KEY)
        return
    args = context.args or []
    if len(args) < 2 or len(args) > 3:  # noqa: PLR2004 - plate, state and optional country
        await reply_html(message, context, texts.PLATE_USAGE)
        return
    country = args[2] if len(args) == 3 else "US"  # noqa: PLR2004
    user_id = requester.key
    if not await flood_guarded(message, context, user_id):  # the plate; its decode counts too
        return
    is_admin = requester.is_admin(services.settings.admin_ids)
    try:
        result = await with_typing(
            message,
            services.extras.plate(args[0], args[1], country, user_id=user_id, is_admin=is_admin),
        )
    except (InvalidInput, LookupNotFound, ProviderUnavailable, QuotaExceeded) as exc:
        await reply_html(message, context, _plate_error(exc))
        return
    if result.vin is None:
        await reply_html(message, context, texts.PLATE_NOT_FOUND)
        return
    await reply_html(message, context, texts.plate_found(result))
    await send_decode(message, context, result.vin, requester, found=True)


def _largest_image(message: Message) -> tuple[str, int | None] | None:
    """The file id and size of the best image in a message (photo sizes or an image file)."""
    if message.photo:
        best = max(message.photo, key=lambda size: size.width * size.height)
        return best.file_id, best.file_size
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return document.file_id, document.file_size
    return None


async def _download(context: BotContext, file_id: str) -> bytes:
    # The bytes come through PTB; the file URL (which holds the bot token) goes nowhere else.
    file = await context.bot.get_file(file_id)
    # A file sent without a size in the message: refuse it by getFile's size before holding
    # up to Telegram's 20 MB of it in memory (the OCR service checks the bytes again).
    if file.file_size is not None and file.file_size > MAX_IMAGE_BYTES:
        raise ImageTooLarge(file.file_size, MAX_IMAGE_BYTES)
    return bytes(await file.download_as_bytearray())


async def read_vin_from_photo(message: Message, context: BotContext) -> bool:
    """Try VIN OCR on a photo; False when this message holds no image to read."""
    requester = sender_of(message)
    image = _largest_image(message)
    services = context.services
    if requester is None or image is None:
        return False
    if not services.extras.paid_features:
        if services.hints.should_hint(message.chat_id, "no_ocr"):
            await reply_html(message, context, texts.OCR_NO_KEY)
        return True
    file_id, size = image
    group = message.media_group_id
    if group is not None and not services.hints.should_hint(message.chat_id, f"album:{group}"):
        return True  # an album: the first picture is read, the others would each be paid for
    if size is not None and size > MAX_IMAGE_BYTES:
        await reply_html(message, context, texts.ocr_too_large(MAX_IMAGE_BYTES))
        return True
    if not await flood_guarded(message, context, requester.key):  # a paid call, like a decode
        return True
    await _read(message, context, file_id, requester)
    return True


async def _read(message: Message, context: BotContext, file_id: str, requester: Requester) -> None:
    services = context.services
    user_id = requester.key
    is_admin = requester.is_admin(services.settings.admin_ids)
    try:
        data = await _download(context, file_id)
        outcome = await with_typing(
            message, services.extras.read_vin(data, user_id=user_id, is_admin=is_admin)
        )
    except ImageRejected as exc:
        await reply_html(message, context, f"{esc_error(exc)} {texts.OCR_ADVICE}")
    except PaidFeatureRefused as exc:
        await reply_html(
            message, context, f"Reading VINs from photos is a paid lookup. {esc_error(exc)}"
        )
    except (ProviderUnavailable, TelegramError) as exc:
        log.warning("ocr_failed", error_type=type(exc).__name__)
        await reply_html(message, context, texts.OCR_UNAVAILABLE)
    else:
        await _answer_ocr(message, context, outcome, requester)


async def _answer_ocr(
    message: Message,
    context: BotContext,
    outcome: Decided | Candidates | object,
    requester: Requester,
) -> None:
    if isinstance(outcome, Decided):
        await reply_html(message, context, texts.ocr_read(outcome.vin))
        await send_decode(message, context, outcome.vin, requester, found=True)
        return
    if isinstance(outcome, Candidates) and outcome.candidates:
        codec = context.services.callbacks
        rows = [
            [
                InlineKeyboardButton(
                    f"{candidate.vin} ({candidate.confidence:.0%})",
                    callback_data=codec.encode(CallbackAction.OCR_PICK, candidate.vin),
                )
            ]
            for candidate in outcome.candidates
        ]
        await reply_html(message, context, texts.OCR_PICK, reply_markup=InlineKeyboardMarkup(rows))
        return
    await reply_html(message, context, texts.OCR_NOTHING)


@flood_guarded_route
async def _recalls_route(
    query: CallbackQuery, context: BotContext, message: Message, _callback: Callback, vin: str
) -> None:
    await query.answer()
    await send_recalls(message, context, vin, presser_of(query).key)


@flood_guarded_route
async def _recalls_page_route(
    query: CallbackQuery, context: BotContext, _message: Message, callback: Callback, _vin: str
) -> None:
    await recalls_page_pressed(query, context, callback.payload)


def register(application: VinbotApplication, buttons: ButtonRouter) -> None:
    """/recalls and /plate, the recall buttons, and the VINs read from a photo."""
    application.add_handlers(
        [
            user_command("recalls", on_recalls_command),
            user_command("plate", on_plate_command),
        ]
    )
    buttons.on_vin(CallbackAction.RECALLS, _recalls_route)
    buttons.on_vin(CallbackAction.RECALLS_PAGE, _recalls_page_route)
    buttons.on_vin(CallbackAction.OCR_PICK, fresh_decode_pressed)
