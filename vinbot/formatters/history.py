"""/history: the last lookups, newest first, each with a button that re-opens it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.account import vehicle_title
from vinbot.formatters.compare import compare_button
from vinbot.formatters.html import clip, esc, fit
from vinbot.models.callback import CallbackAction

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.records import LookupRecord


def history_empty(words: Words) -> str:
    """/history before any lookup."""
    return words.t("You haven't decoded any VINs yet. Send me one!")


def history_page(
    words: Words, records: Sequence[LookupRecord], codec: CallbackCodec, owner: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The last lookups, newest first, each with a button that re-opens it (for owner only)."""
    if not records:
        return history_empty(words), None
    lines = [words.t("<b>Your recent lookups</b>")]
    buttons = []
    for number, record in enumerate(records, start=1):
        title = vehicle_title(words, record.year, record.make, record.model)
        # Translators: one line of /history: its number, the car, its VIN and the date.
        line = words.t(
            "{number}. {vehicle} · <code>{vin}</code> · {date}",
            number=number,
            vehicle=esc(title),
            vin=esc(record.vin),
            date=words.date(record.looked_up_at),
        )
        lines.append(line)
        # Translators: a button re-opening a car of /history: its number and title.
        label = words.pt("button", "{number}. {vehicle}", number=number, vehicle=clip(title, 30))
        buttons.append(
            InlineKeyboardButton(
                label,
                callback_data=codec.encode(CallbackAction.HISTORY_OPEN, record.vin, owner=owner),
            )
        )
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if len(records) > 1:
        rows.append([compare_button(words, codec, "h", owner)])
    return fit(words, lines), InlineKeyboardMarkup(rows)
