"""/privacy, /export and /forget: what is stored, the export's caption, the deletion."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.models.callback import CallbackAction

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec


def forget_ask(words: Words) -> str:
    """/forget: what goes, before the confirmation button."""
    return words.t(
        "This deletes everything I store about you: history, garage and settings. It cannot be "
        "undone. (Only today's count of detailed lookups stays until the day ends at midnight "
        "UTC, so the daily limit still applies.) Are you sure?"
    )


def forget_done(words: Words) -> str:
    """/forget confirmed and done."""
    return words.t(
        "Done. I've deleted your history, garage and settings. Today's count of detailed lookups "
        "is kept until the day ends at midnight UTC, so the daily limit still applies; it is "
        "deleted after that."
    )


def forget_keyboard(words: Words, codec: CallbackCodec, user_id: int) -> InlineKeyboardMarkup:
    """The one button that confirms /forget."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    words.pt("button", "🗑 Yes, delete everything"),
                    callback_data=codec.encode(CallbackAction.FORGET_CONFIRM, owner=user_id),
                )
            ]
        ]
    )


def export_private_only(words: Words) -> str:
    """/export in a group: the file is personal."""
    return words.t(
        "Your data export is personal, so I only send it in a private chat: open a chat with me "
        "and send /export there."
    )


def export_caption(words: Words, included: int, omitted: int) -> str:
    """The export's caption; says so when the oldest lookups did not fit in one file."""
    if not omitted:
        return words.t("Everything I store about you, as JSON.")
    # Translators: the first sentence of an export's caption when it holds only part of the
    # history; {count} is how many lookups it holds.
    holds = words.nt(
        "Everything I store about you, as JSON. It holds your newest lookup.",
        "Everything I store about you, as JSON. It holds your {count} newest lookups.",
        included,
    )
    # Translators: the rest of that caption; {count} is how many lookups were left out.
    left_out = words.nt(
        "The oldest lookup didn't fit under Telegram's 50 MB file limit. It is still stored, "
        "and /forget deletes it too.",
        "The {count} oldest lookups didn't fit under Telegram's 50 MB file limit. They are "
        "still stored, and /forget deletes them too.",
        omitted,
    )
    return f"{holds} {left_out}"


def export_busy(words: Words) -> str:
    """Another export is being built."""
    return words.t(
        "I'm preparing another data export right now. Please send /export again in a minute."
    )


def export_too_soon(words: Words, retry_after: float) -> str:
    """One export per few minutes: when the next one is possible."""
    minutes = max(1, math.ceil(retry_after / 60))
    return words.nt(
        "You asked for an export a few minutes ago. You can ask for another in {count} minute.",
        "You asked for an export a few minutes ago. You can ask for another in {count} minutes.",
        minutes,
    )


def privacy_policy(
    words: Words, *, history_days: int, history_max: int, garage_limit: int
) -> list[str]:
    """The privacy policy, one paragraph each (HTML-safe: it has no markup and no user data).

    history_days: lookups older than this are deleted (0: kept until /forget);
    history_max: at most this many lookups are kept per person (0: no limit).
    """
    paragraphs = [
        words.t("Privacy policy"),
        words.t(
            "What I store about you: your Telegram user id, the language your Telegram app "
            "uses, when you first and last wrote to me, and whether you blocked me; your "
            "settings (language, units, recall alerts); the VINs you looked up, with the year, "
            "make and model found; the cars you saved in your garage and their nicknames; how "
            "many detailed (paid) lookups you made each day, for the daily limit; and which "
            "recall alerts I sent you. I keep a message only while I answer it (so a restart "
            "cannot lose it) and delete it right after: I do not keep your messages, photos, "
            "name, username or phone number."
        ),
    ]
    if history_days:
        paragraphs.append(
            words.nt(
                "How long: a lookup is deleted {count} day after it was made.",
                "How long: a lookup is deleted {count} days after it was made.",
                history_days,
            )
        )
    else:
        paragraphs.append(words.t("How long: your lookups are kept until you delete them."))
    if history_max:
        paragraphs.append(
            words.nt(
                "I keep at most your {count} latest lookup.",
                "I keep at most your {count} latest lookups.",
                history_max,
            )
        )
    paragraphs += [
        words.nt(
            "Your garage holds at most {count} car.",
            "Your garage holds at most {count} cars.",
            garage_limit,
        ),
        words.t(
            "Everything else is kept until you delete it with /forget. What a VIN, a plate or a "
            "photo decodes to (not who asked) is cached for up to 30 days so the next person "
            "gets it faster. Technical logs hold user ids and VINs for troubleshooting and are "
            "rotated by the server."
        ),
        words.t(
            "Who can see it: only the people who run this bot, to keep it working. It is not "
            "sold or shared. To answer you, I send the VIN, the plate or the photo (never who "
            "you are) to vehicle data providers (NHTSA and CarsXE)."
        ),
        words.t(
            "/export sends you everything I store about you, as a JSON file, in a private chat. "
            "/forget deletes all of it at once after you confirm; only today's count of "
            "detailed lookups stays until the day ends at midnight UTC, so the daily limit "
            "still applies."
        ),
    ]
    return paragraphs


def privacy_page(words: Words, *, history_days: int, history_max: int, garage_limit: int) -> str:
    """/privacy as an HTML message: the policy with a bold title."""
    title, *rest = privacy_policy(
        words, history_days=history_days, history_max=history_max, garage_limit=garage_limit
    )
    return words.paragraphs("\n\n".join([f"<b>{title}</b>", *rest]))
