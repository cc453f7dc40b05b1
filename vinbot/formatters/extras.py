"""Texts for /recalls, /plate and reading a VIN from a photo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters.html import esc

if TYPE_CHECKING:
    from vinbot.models.plate import PlateResult

RECALLS_USAGE = "Send the VIN after the command, like <code>/recalls 1HGCM82633A004352</code>."
RECALLS_NEED_VIN = "That isn't a valid VIN, so I can't look up its recalls."

PLATE_USAGE = (
    "Use <code>/plate PLATE STATE [COUNTRY]</code>, e.g. <code>/plate 7ABC123 CA</code> "
    "(country defaults to US; Canada and Australia need a province or state too)."
)
PLATE_NO_KEY = "Plate lookups come from CarsXE, and this bot has no CarsXE key configured."
PLATE_NOT_FOUND = "No vehicle was found for that plate. Check the characters and the state."
PLATE_REGION_REJECTED = (
    "CarsXE doesn't look up plates for that country or state. Check the code, or send the VIN."
)
PLATE_UNAVAILABLE = "I couldn't look up that plate right now. Please try again in a few minutes."

OCR_ADVICE = (
    "Take the photo straight on, in good light, close enough that the 17 characters fill most "
    "of the picture (the VIN plate at the bottom of the windscreen, or the door-pillar sticker)."
)
OCR_NOTHING = "I couldn't read a VIN in that photo. " + OCR_ADVICE
OCR_PICK = "I'm not sure I read it right. Which of these is your VIN?"
OCR_NO_KEY = (
    "Reading VINs from photos needs CarsXE, which this bot doesn't have. "
    "Please type the 17 characters instead."
)
OCR_UNAVAILABLE = "I couldn't read the photo right now. Please try again, or type the VIN."


def ocr_too_large(limit: int) -> str:
    """A photo over the size limit."""
    return f"That image is over {limit // 1_000_000} MB. Send it as a photo (not a file), please."


def ocr_read(vin: str) -> str:
    """What OCR read, before the decode follows."""
    return f"📷 I read <code>{esc(vin)}</code> from your photo."


def plate_found(result: PlateResult) -> str:
    """The plate's VIN, before the decode follows."""
    where = ", ".join(p for p in (result.state, result.country) if p)
    return (
        f"🔎 Plate <code>{esc(result.plate)}</code> ({esc(where)}) belongs to VIN "
        f"<code>{esc(result.vin or '')}</code>."
    )
