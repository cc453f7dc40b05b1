"""What the bot says when an update is quarantined: a plain apology, and a note to the admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters.html import esc
from vinbot.i18n import N_

if TYPE_CHECKING:
    from vinbot.i18n import Words

# Plain text (no parse mode): nothing in it needs formatting, so nothing can break it.
# The English here; what is sent is `apology_for(words, kind)` in the sender's language.
UPDATE_NOT_PROCESSED = N_(
    "Sorry, something went wrong on my side and I couldn't process that message. "
    "If it happens again, send just the VIN as plain text."
)
BUTTON_NOT_PROCESSED = N_(
    "Sorry, something went wrong on my side with that button. Please send the VIN again."
)
# Only these kinds of update have a person waiting in a chat; a channel post, a member change
# or an inline query gets no apology (it would land in a channel feed, a group or nowhere).
_APOLOGIES = {
    "message": UPDATE_NOT_PROCESSED,
    "edited_message": UPDATE_NOT_PROCESSED,
    "business_message": UPDATE_NOT_PROCESSED,
    "callback_query": BUTTON_NOT_PROCESSED,
}


def apology_for(words: Words, update_kind: str) -> str | None:
    """The plain apology for an update that will not be answered, or None for no apology."""
    apology = _APOLOGIES.get(update_kind)
    return words.t(apology) if apology is not None else None


def update_quarantined_alert(update_id: int, update_kind: str) -> str:
    """The admins' alert (HTML): which update, never what it said."""
    return (
        f"⚠️ <b>Update quarantined</b>: the bot went down while handling update {update_id} "
        f"({esc(update_kind)}), and again when it retried it on its own, so it won't be retried. "
        "Its sender was sent an apology where possible. Logs: look for "
        f"<code>update_id={update_id}</code> before the restarts (<code>loop_stalled</code> or "
        "<code>fatal_error</code>), then <code>update_quarantined</code>."
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
