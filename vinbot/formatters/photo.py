"""Reading a VIN from a photo: what was read, which reading to pick, and why none could be."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.html import esc
from vinbot.formatters.paid_refusal import quota_refusal
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import ImageTooLarge

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.errors import ImageRejected
    from vinbot.models.ocr import OcrCandidate
    from vinbot.models.records import QuotaDecision

MEGABYTE = 1_000_000


def ocr_advice(words: Words) -> str:
    """How to take a photo a VIN can be read from."""
    return words.t(
        "Take the photo straight on, in good light, close enough that the 17 characters fill "
        "most of the picture (the VIN plate at the bottom of the windscreen, or the door-pillar "
        "sticker)."
    )


def ocr_nothing(words: Words) -> str:
    """No valid VIN could be read in the photo."""
    return words.t(
        "I couldn't read a VIN in that photo. Take the photo straight on, in good light, close "
        "enough that the 17 characters fill most of the picture (the VIN plate at the bottom of "
        "the windscreen, or the door-pillar sticker)."
    )


def ocr_pick(words: Words) -> str:
    """Above the buttons of the possible readings."""
    return words.t("I'm not sure I read it right. Which of these is your VIN?")


def ocr_no_key(words: Words) -> str:
    """A photo sent to a bot without a CarsXE key."""
    return words.t(
        "Reading VINs from photos needs CarsXE, which this bot doesn't have. "
        "Please type the 17 characters instead."
    )


def ocr_unavailable(words: Words) -> str:
    """The reading failed for now."""
    return words.t("I couldn't read the photo right now. Please try again, or type the VIN.")


def ocr_too_large(words: Words, limit: int) -> str:
    """A photo over the size limit, refused before it is downloaded."""
    # Translators: {limit} is a size in megabytes.
    return words.t(
        "That image is over {limit} MB. Send it as a photo (not a file), please.",
        limit=limit // MEGABYTE,
    )


def image_rejected(words: Words, error: ImageRejected) -> str:
    """Why an image could not be sent for reading, and how to take a better one."""
    if isinstance(error, ImageTooLarge):
        # Translators: {size} and {limit} are sizes in megabytes.
        problem = words.t(
            "That image is {size} MB; please send one under {limit} MB (a photo rather than a "
            "file works best).",
            size=words.number(error.size / MEGABYTE, digits=1),
            limit=words.number(round(error.limit / MEGABYTE)),
        )
    else:
        problem = words.t("That image is empty; please send a photo of the VIN.")
    # Translators: {problem} says what is wrong with the image; {advice} how to take a good one.
    return words.t("{problem} {advice}", problem=problem, advice=ocr_advice(words))


def ocr_refused(words: Words, decision: QuotaDecision) -> str:
    """A photo past the paid-lookup quota."""
    return words.t(
        "Reading VINs from photos is a paid lookup. {why}", why=quota_refusal(words, decision)
    )


def ocr_read(words: Words, vin: str) -> str:
    """What OCR read, before the decode follows."""
    return words.t("📷 I read <code>{vin}</code> from your photo.", vin=esc(vin))


def ocr_pick_keyboard(
    words: Words, codec: CallbackCodec, candidates: tuple[OcrCandidate, ...]
) -> InlineKeyboardMarkup:
    """One button per possible reading, with how sure the reader was."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    # Translators: a VIN read from a photo and how sure the reader is of it.
                    words.pt(
                        "button",
                        "{vin} ({percent}%)",
                        vin=words.ltr(candidate.vin),
                        percent=f"{candidate.confidence * 100:.0f}",
                    ),
                    callback_data=codec.encode(CallbackAction.OCR_PICK, candidate.vin),
                )
            ]
            for candidate in candidates
        ]
    )
