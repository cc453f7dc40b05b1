"""Inline keyboards: every button carries signed, versioned callback data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.messages import SAMPLE_VIN
from vinbot.models.callback import CallbackAction
from vinbot.models.title_check import analysed_us_market

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.vin import VinAnalysis


def decode_keyboard(
    words: Words,
    codec: CallbackCodec,
    analysis: VinAnalysis,
    *,
    expanded: bool,
    market_value: bool = False,
    offline_only: bool = False,
) -> InlineKeyboardMarkup:
    """Buttons under a decode: specs toggle, save, recalls, (with CarsXE) market value and the
    theft & title check for US-market VINs, and the PDF report.

    An offline-only decode (`DecodeResult.offline_only`: no provider has the car) gets no
    Full specs and no Market value: neither could show more than the VIN itself says.
    """
    vin = analysis.vin
    save = InlineKeyboardButton(
        words.pt("button", "💾 Save"), callback_data=codec.encode(CallbackAction.SAVE, vin)
    )
    first = [save]
    if expanded:
        summary = codec.encode(CallbackAction.SUMMARY, vin)
        first.insert(
            0, InlineKeyboardButton(words.pt("button", "⬆️ Summary"), callback_data=summary)
        )
    elif not offline_only:
        specs = codec.encode(CallbackAction.SPECS, vin)
        first.insert(
            0, InlineKeyboardButton(words.pt("button", "📋 Full specs"), callback_data=specs)
        )
    extras = [
        InlineKeyboardButton(
            words.pt("button", "🔔 Recalls"),
            callback_data=codec.encode(CallbackAction.RECALLS, vin),
        )
    ]
    if market_value and not offline_only:
        extras.append(
            InlineKeyboardButton(
                words.pt("button", "💰 Market value"),
                callback_data=codec.encode(CallbackAction.VALUE, vin),
            )
        )
    report = InlineKeyboardButton(
        words.pt("button", "📄 Report"), callback_data=codec.encode(CallbackAction.REPORT, vin)
    )
    last = [report]
    # The theft and title check reads US records only.
    if market_value and analysed_us_market(analysis):
        check = codec.encode(CallbackAction.TITLE_CHECK, vin)
        last.insert(
            0, InlineKeyboardButton(words.pt("button", "🛡 Theft & title"), callback_data=check)
        )
    return InlineKeyboardMarkup([first, extras, last])


def sample_keyboard(words: Words, codec: CallbackCodec) -> InlineKeyboardMarkup:
    """The /start button that decodes a sample VIN."""
    # Translators: a button that decodes the sample VIN {vin}.
    label = words.pt("button", "🔎 Try {vin}", vin=words.ltr(SAMPLE_VIN))
    data = codec.encode(CallbackAction.DECODE, SAMPLE_VIN)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])


def suggestion_keyboard(
    words: Words, codec: CallbackCodec, suggestion: str
) -> InlineKeyboardMarkup:
    """One button that decodes the corrected VIN we suggested."""
    # Translators: a button that decodes the corrected VIN {vin}.
    label = words.pt("button", "🔎 Decode {vin}", vin=words.ltr(suggestion))
    data = codec.encode(CallbackAction.DECODE, suggestion)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
