"""What the bot says when an update is quarantined: a plain apology, and a note to the admins."""

from __future__ import annotations

from vinbot.formatters.html import esc

# Plain text (no parse mode): nothing in it needs formatting, so nothing can break it.
UPDATE_NOT_PROCESSED = (
    "Sorry, I couldn't process that message. Please try again later, or send it in another way."
)


def update_quarantined_alert(update_id: int, update_kind: str) -> str:
    """The admins' alert (HTML): which update, never what it said."""
    return (
        f"⚠️ <b>Update quarantined</b>: update {update_id} ({esc(update_kind)}) was being "
        "handled when the bot failed twice in a row (crash or stalled loop), so it will not be "
        "handled again. Its sender got an apology. The logs have the details "
        "(<code>loop_stalled</code>, <code>update_quarantined</code>)."
    )


def update_unreadable_alert(update_id: int, update_kind: str, held_back: int) -> str:
    """The admins' alert (HTML) for an update python-telegram-bot could not parse."""
    text = (
        f"⚠️ <b>Unreadable update</b>: update {update_id} ({esc(update_kind)}) did not fit "
        "python-telegram-bot's types, so it was skipped (its sender, if any, got an apology) "
        "and polling went on. If this repeats, Telegram may have changed the update's shape: "
        "upgrade python-telegram-bot. The logs have <code>update_unreadable</code>."
    )
    if held_back:
        text += f"\n{held_back} more like it since the last alert."
    return text
