"""What the bot says when an update is quarantined: a plain apology (the admins' alerts are in
`formatters/admin.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
