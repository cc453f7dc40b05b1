"""History, garage, settings and privacy pages: texts and their keyboards."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.compare import compare_button
from vinbot.formatters.html import clip, esc, fit
from vinbot.i18n import words_in
from vinbot.models.callback import CallbackAction
from vinbot.models.title_check import is_us_market

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from vinbot.models.callback import CallbackCodec
    from vinbot.models.records import GarageEntry, LookupRecord, UserSettings
    from vinbot.models.vehicle import VehicleSpec

HISTORY_EMPTY = "You haven't decoded any VINs yet. Send me one!"
GARAGE_EMPTY = "Your garage is empty. Press <b>💾 Save</b> under a decode to keep a car here."
GARAGE_HELP = (
    "Rename a car with <code>/garage rename VIN nickname</code> "
    "(or the number from the list instead of the VIN)."
)
FORGET_ASK = (
    "This deletes everything I store about you: history, garage and settings. It cannot be "
    "undone. (Only today's count of detailed lookups stays until the day ends at midnight UTC, "
    "so the daily limit still applies.) Are you sure?"
)
FORGET_DONE = (
    "Done. I've deleted your history, garage and settings. Today's count of detailed lookups "
    "is kept until the day ends at midnight UTC, so the daily limit still applies; it is "
    "deleted after that."
)
EXPORT_PRIVATE_ONLY = (
    "Your data export is personal, so I only send it in a private chat: open a chat with me "
    "and send /export there."
)
EXPORT_CAPTION = "Everything I store about you, as JSON."
# Group members who write as the group (anonymous admins) or as a channel all look the same
# to a bot: their VINs are decoded, but nothing personal can be kept for them.
PERSONAL_ACCOUNT_NEEDED = (
    "You're posting as the group or a channel, so I can't tell who you are. /history, "
    "/garage, /settings, /value, /check, /export and /forget need your own account: post as "
    "yourself, or use them in a private chat with me. VINs sent this way are still decoded."
)
# Alerts (at most 200 characters) for a press on someone else's personal button in a group.
NOT_YOUR_BUTTON = (
    "These buttons belong to the person who asked. Send the command yourself to get your own."
)
PERSONAL_BUTTON_EXPIRED = "This button has expired. Send the command again for a fresh one."


def export_caption(included: int, omitted: int) -> str:
    """The export's caption; says so when the oldest lookups did not fit in one file."""
    if not omitted:
        return EXPORT_CAPTION
    newest = "lookup" if included == 1 else "lookups"
    oldest = "lookup" if omitted == 1 else "lookups"
    return (
        f"Everything I store about you, as JSON. It holds your {included:,} newest {newest}; "
        f"the {omitted:,} oldest {oldest} didn't fit under Telegram's 50 MB file limit. They "
        "are still stored, and /forget deletes them too."
    )


EXPORT_BUSY = "I'm preparing another data export right now. Please send /export again in a minute."


def export_too_soon(retry_after: float) -> str:
    """One export per few minutes: when the next one is possible."""
    minutes = max(1, math.ceil(retry_after / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        f"You asked for an export a few minutes ago. You can ask for another in {minutes} {unit}."
    )


def vehicle_title(year: int | None, make: str | None, model: str | None) -> str:
    """'2003 Honda Accord', or 'Unknown vehicle' when nothing is known."""
    words = [str(year) if year else "", make or "", model or ""]
    return " ".join(w for w in words if w) or "Unknown vehicle"


def spec_title(spec: VehicleSpec | None) -> str | None:
    """A short title from a cached spec."""
    if spec is None:
        return None
    title = vehicle_title(spec.year, spec.make, spec.model)
    return None if title == "Unknown vehicle" else title


def history_page(
    records: Sequence[LookupRecord], codec: CallbackCodec, owner: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The last lookups, newest first, each with a button that re-opens it (for owner only)."""
    if not records:
        return HISTORY_EMPTY, None
    lines = ["<b>Your recent lookups</b>"]
    buttons = []
    for number, record in enumerate(records, start=1):
        title = vehicle_title(record.year, record.make, record.model)
        when = record.looked_up_at.strftime("%Y-%m-%d")
        lines.append(f"{number}. {esc(title)} · <code>{esc(record.vin)}</code> · {when}")
        buttons.append(
            InlineKeyboardButton(
                f"{number}. {clip(title, 30)}",
                callback_data=codec.encode(CallbackAction.HISTORY_OPEN, record.vin, owner=owner),
            )
        )
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if len(records) > 1:
        rows.append([compare_button(words_in("en"), codec, "h", owner)])
    return fit(lines), InlineKeyboardMarkup(rows)


def garage_page(
    entries: Sequence[GarageEntry],
    titles: Mapping[str, str | None],
    codec: CallbackCodec,
    limit: int,
    owner: int,
    *,
    title_checks: bool = False,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The saved cars with open and remove buttons that only the owner may press, and a 🛡
    Check row under each US car when the bot can check titles (a CarsXE key)."""
    if not entries:
        return GARAGE_EMPTY, None
    lines = [f"<b>Your garage</b> ({len(entries)}/{limit})"]
    rows = []
    for number, entry in enumerate(entries, start=1):
        title = titles.get(entry.vin) or "Vehicle"
        name = f"“{esc(entry.nickname)}” · " if entry.nickname else ""
        lines.append(f"{number}. {name}{esc(title)} · <code>{esc(entry.vin)}</code>")
        label = clip(entry.nickname or title, 24)
        rows.append(
            [
                InlineKeyboardButton(
                    f"🔎 {number}. {label}",
                    callback_data=codec.encode(CallbackAction.GARAGE_OPEN, entry.vin, owner=owner),
                ),
                InlineKeyboardButton(
                    "🗑 Remove",
                    callback_data=codec.encode(
                        CallbackAction.GARAGE_REMOVE, entry.vin, owner=owner
                    ),
                ),
            ]
        )
        if title_checks and is_us_market(entry.vin):  # on demand, never automatically
            check = codec.encode(CallbackAction.TITLE_CHECK, entry.vin)
            # A row of its own: a third button would cut the 🔎 label on a phone.
            rows.append(
                [InlineKeyboardButton(f"🛡 {number}. Check theft & title", callback_data=check)]
            )
    if len(entries) > 1:
        rows.append([compare_button(words_in("en"), codec, "g", owner)])
    lines += ["", GARAGE_HELP]
    return fit(lines), InlineKeyboardMarkup(rows)


def settings_page(
    settings: UserSettings, codec: CallbackCodec, owner: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The user's settings with toggle buttons that only the owner may press."""
    units = "metric (L/100 km, cm, kg)" if settings.units == "metric" else "imperial (mpg, in, lb)"
    alerts = "on" if settings.recall_alerts else "off"
    text = f"<b>Your settings</b>\nUnits: {units}\nRecall alerts for garage cars: {alerts}"
    other_units = "imperial" if settings.units == "metric" else "metric"
    other_alerts = "off" if settings.recall_alerts else "on"
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"Use {other_units} units",
                    callback_data=codec.encode(
                        CallbackAction.SETTINGS, f"units:{other_units}", owner=owner
                    ),
                )
            ],
            [
                InlineKeyboardButton(
                    f"Turn recall alerts {other_alerts}",
                    callback_data=codec.encode(
                        CallbackAction.SETTINGS, f"alerts:{other_alerts}", owner=owner
                    ),
                )
            ],
        ]
    )
    return text, markup


def forget_keyboard(codec: CallbackCodec, user_id: int) -> InlineKeyboardMarkup:
    """The one button that confirms /forget."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "🗑 Yes, delete everything",
                    callback_data=codec.encode(CallbackAction.FORGET_CONFIRM, owner=user_id),
                )
            ]
        ]
    )
