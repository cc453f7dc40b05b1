"""Inline keyboards: every button carries signed, versioned callback data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.messages import SAMPLE_VIN
from vinbot.models.callback import CallbackAction
from vinbot.models.title_check import analysed_us_market

if TYPE_CHECKING:
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.vin import VinAnalysis


def decode_keyboard(
    codec: CallbackCodec, analysis: VinAnalysis, *, expanded: bool, market_value: bool = False
) -> InlineKeyboardMarkup:
    """Buttons under a decode: specs toggle, save, recalls, (with CarsXE) market value and the
    theft & title check for US-market VINs, and the PDF report."""
    vin = analysis.vin
    toggle = (
        InlineKeyboardButton("⬆️ Summary", callback_data=codec.encode(CallbackAction.SUMMARY, vin))
        if expanded
        else InlineKeyboardButton(
            "📋 Full specs", callback_data=codec.encode(CallbackAction.SPECS, vin)
        )
    )
    save = InlineKeyboardButton("💾 Save", callback_data=codec.encode(CallbackAction.SAVE, vin))
    extras = [
        InlineKeyboardButton("🔔 Recalls", callback_data=codec.encode(CallbackAction.RECALLS, vin))
    ]
    if market_value:
        extras.append(
            InlineKeyboardButton(
                "💰 Market value", callback_data=codec.encode(CallbackAction.VALUE, vin)
            )
        )
    report = InlineKeyboardButton(
        "📄 Report", callback_data=codec.encode(CallbackAction.REPORT, vin)
    )
    last = [report]
    if market_value and analysed_us_market(
        analysis
    ):  # the theft and title check reads US records only
        check = codec.encode(CallbackAction.TITLE_CHECK, vin)
        last.insert(0, InlineKeyboardButton("🛡 Theft & title", callback_data=check))
    return InlineKeyboardMarkup([[toggle, save], extras, last])


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
