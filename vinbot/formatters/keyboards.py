"""Inline keyboards: every button carries signed, versioned callback data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.messages import SAMPLE_VIN
from vinbot.models.callback import CallbackAction

if TYPE_CHECKING:
    from vinbot.models.callback import CallbackCodec


def decode_keyboard(codec: CallbackCodec, vin: str, *, expanded: bool) -> InlineKeyboardMarkup:
    """Buttons under a decode: summary/full specs toggle and save to garage."""
    toggle = (
        InlineKeyboardButton("⬆️ Summary", callback_data=codec.encode(CallbackAction.SUMMARY, vin))
        if expanded
        else InlineKeyboardButton(
            "📋 Full specs", callback_data=codec.encode(CallbackAction.SPECS, vin)
        )
    )
    save = InlineKeyboardButton("💾 Save", callback_data=codec.encode(CallbackAction.SAVE, vin))
    return InlineKeyboardMarkup([[toggle, save]])


def sample_keyboard(codec: CallbackCodec) -> InlineKeyboardMarkup:
    """The /start button that decodes a sample VIN."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"🔎 Try {SAMPLE_VIN}",
                    callback_data=codec.encode(CallbackAction.DECODE, SAMPLE_VIN),
                )
            ]
        ]
    )


def suggestion_keyboard(codec: CallbackCodec, suggestion: str) -> InlineKeyboardMarkup:
    """One button that decodes the corrected VIN we suggested."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"🔎 Decode {suggestion}",
                    callback_data=codec.encode(CallbackAction.DECODE, suggestion),
                )
            ]
        ]
    )
