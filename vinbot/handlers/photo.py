"""A VIN read from a photo of the VIN plate, and the buttons to pick among unsure readings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.error import TelegramError

from vinbot.formatters.photo import (
    image_rejected,
    ocr_no_key,
    ocr_nothing,
    ocr_pick,
    ocr_pick_keyboard,
    ocr_read,
    ocr_refused,
    ocr_too_large,
    ocr_unavailable,
)
from vinbot.handlers.decode import (
    flood_guarded,
    fresh_decode_pressed,
    reply_html,
    send_decode,
    with_typing,
)
from vinbot.handlers.identity import sender_of
from vinbot.handlers.language import words_for_message
from vinbot.logs import get_logger
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import ImageRejected, ImageTooLarge, ProviderUnavailable
from vinbot.models.ocr import Candidates, Decided
from vinbot.services.extras import PaidFeatureRefused

if TYPE_CHECKING:
    from telegram import Message

    from vinbot.handlers.context import BotContext, VinbotApplication
    from vinbot.handlers.identity import Requester
    from vinbot.handlers.routing import ButtonRouter
    from vinbot.i18n import Words
    from vinbot.models.ocr import OcrOutcome

log = get_logger(__name__)

# Telegram bots may download files up to 20 MB; VIN OCR needs far less.
MAX_IMAGE_BYTES = 5_000_000


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
            words = await words_for_message(message, context)
            await reply_html(message, context, ocr_no_key(words))
        return True
    file_id, size = image
    group = message.media_group_id
    if group is not None and not services.hints.should_hint(message.chat_id, f"album:{group}"):
        return True  # an album: the first picture is read, the others would each be paid for
    words = await words_for_message(message, context)
    if size is not None and size > MAX_IMAGE_BYTES:
        await reply_html(message, context, ocr_too_large(words, MAX_IMAGE_BYTES))
        return True
    if not await flood_guarded(message, context, requester.key):  # a paid call, like a decode
        return True
    await _read(message, context, words, file_id, requester)
    return True


async def _read(
    message: Message, context: BotContext, words: Words, file_id: str, requester: Requester
) -> None:
    services = context.services
    user_id = requester.key
    is_admin = requester.is_admin(services.settings.admin_ids)
    try:
        data = await _download(context, file_id)
        outcome = await with_typing(
            message, services.extras.read_vin(data, user_id=user_id, is_admin=is_admin)
        )
    except ImageRejected as exc:
        await reply_html(message, context, image_rejected(words, exc))
    except PaidFeatureRefused as exc:
        await reply_html(message, context, ocr_refused(words, exc.decision))
    except (ProviderUnavailable, TelegramError) as exc:
        log.warning("ocr_failed", error_type=type(exc).__name__)
        await reply_html(message, context, ocr_unavailable(words))
    else:
        await _answer_ocr(message, context, words, outcome, requester)


async def _answer_ocr(
    message: Message,
    context: BotContext,
    words: Words,
    outcome: OcrOutcome,
    requester: Requester,
) -> None:
    if isinstance(outcome, Decided):
        await reply_html(message, context, ocr_read(words, outcome.vin))
        await send_decode(message, context, outcome.vin, requester, found=True)
        return
    if isinstance(outcome, Candidates) and outcome.candidates:
        markup = ocr_pick_keyboard(words, context.services.callbacks, outcome.candidates)
        await reply_html(message, context, ocr_pick(words), reply_markup=markup)
        return
    await reply_html(message, context, ocr_nothing(words))


def register(_application: VinbotApplication, buttons: ButtonRouter) -> None:
    """The buttons to pick one of the VINs read from a photo (photos arrive through media.py)."""
    buttons.on_vin(CallbackAction.OCR_PICK, fresh_decode_pressed)
