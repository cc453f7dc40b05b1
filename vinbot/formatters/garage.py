"""/garage: the saved cars with their buttons, renaming, and the 💾 Save answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.compare import compare_button
from vinbot.formatters.html import clip, esc, fit
from vinbot.models.callback import CallbackAction
from vinbot.models.title_check import is_us_market

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.records import GarageEntry


def garage_empty(words: Words) -> str:
    """/garage with nothing saved."""
    return words.t("Your garage is empty. Press <b>💾 Save</b> under a decode to keep a car here.")


def garage_help(words: Words) -> str:
    """How to rename a car, under the list."""
    return words.t(
        "Rename a car with <code>/garage rename VIN nickname</code> "
        "(or the number from the list instead of the VIN)."
    )


def rename_usage(words: Words) -> str:
    """/garage rename without a car."""
    return words.t("Usage: <code>/garage rename VIN nickname</code>")


def not_in_garage(words: Words) -> str:
    """/garage rename for a car that is not saved."""
    return words.t("That car isn't in your garage. /garage lists what is.")


def nickname_too_long(words: Words, max_length: int) -> str:
    """A nickname over the limit."""
    return words.nt(
        "A nickname has at most {count} character.",
        "A nickname has at most {count} characters.",
        max_length,
    )


def nickname_saved(words: Words, *, cleared: bool) -> str:
    """A nickname was set or cleared."""
    return words.t("Nickname cleared.") if cleared else words.t("Nickname saved.")


def already_saved(words: Words) -> str:
    """💾 Save on a car already in the garage (a toast)."""
    return words.t("Already in your garage.")


def garage_full(words: Words, limit: int) -> str:
    """💾 Save with a full garage (an alert, at most 200 characters)."""
    return words.nt(
        "Your garage is full ({count} car). Remove one in /garage first.",
        "Your garage is full ({count} cars). Remove one in /garage first.",
        limit,
    )


def saved(words: Words) -> str:
    """💾 Save done (a toast)."""
    return words.t("Saved to your garage. /garage lists your cars.")


def removed(words: Words) -> str:
    """🗑 Remove done (a toast)."""
    return words.t("Removed.")


def garage_page(  # noqa: PLR0917 - the page needs them all
    words: Words,
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
        return garage_empty(words), None
    # Translators: the title of /garage with how many cars are saved of how many allowed.
    lines = [words.t("<b>Your garage</b> ({saved}/{limit})", saved=len(entries), limit=limit)]
    rows = []
    for number, entry in enumerate(entries, start=1):
        # Translators: a saved car whose make and model are not known.
        title = titles.get(entry.vin) or words.t("Vehicle")
        if entry.nickname:
            # Translators: one car of /garage: number, its nickname, the car and its VIN.
            line = words.t(
                "{number}. “{nickname}” · {vehicle} · <code>{vin}</code>",
                number=number,
                nickname=esc(entry.nickname),
                vehicle=esc(title),
                vin=esc(entry.vin),
            )
        else:
            # Translators: one car of /garage: its number, the car and its VIN.
            line = words.t(
                "{number}. {vehicle} · <code>{vin}</code>",
                number=number,
                vehicle=esc(title),
                vin=esc(entry.vin),
            )
        lines.append(line)
        label = clip(entry.nickname or title, 24)
        # Translators: a button opening a saved car: its number and its name.
        open_label = words.pt("button", "🔎 {number}. {vehicle}", number=number, vehicle=label)
        rows.append(
            [
                InlineKeyboardButton(
                    open_label,
                    callback_data=codec.encode(CallbackAction.GARAGE_OPEN, entry.vin, owner=owner),
                ),
                InlineKeyboardButton(
                    words.pt("button", "🗑 Remove"),
                    callback_data=codec.encode(
                        CallbackAction.GARAGE_REMOVE, entry.vin, owner=owner
                    ),
                ),
            ]
        )
        if title_checks and is_us_market(entry.vin):  # on demand, never automatically
            check = codec.encode(CallbackAction.TITLE_CHECK, entry.vin)
            # A row of its own: a third button would cut the 🔎 label on a phone.
            label = words.pt("button", "🛡 {number}. Check theft & title", number=number)
            rows.append([InlineKeyboardButton(label, callback_data=check)])
    if len(entries) > 1:
        rows.append([compare_button(words, codec, "g", owner)])
    lines += ["", garage_help(words)]
    return fit(words, lines), InlineKeyboardMarkup(rows)
