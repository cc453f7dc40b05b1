"""Updates python-telegram-bot cannot parse, swapped for placeholders so polling goes on.

PTB parses a whole getUpdates batch at once. If one update in it does not fit PTB's types (a
field Telegram left out that this PTB version requires, say), the batch is dropped without
moving the offset, and PTB asks for the same batch again at once, for ever: one message stops
the bot for everyone. The polling transport notices a getUpdates that repeats the offset of a
batch it has just delivered, and then replaces each update PTB cannot read with a placeholder
that keeps only its update_id (so the offset moves on) and where it came from (so its sender
can be told, see `handlers/unreadable.py`). In webhook mode the route (webhook.py) makes the
same placeholder of any single update PTB cannot read, and acknowledges it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from telegram import Update

from vinbot.journal import update_kind
from vinbot.logs import get_logger

log = get_logger(__name__)

# Under this key the placeholder carries what is needed to apologise; PTB keeps unknown fields
# of an update in `Update.api_kwargs`.
MARKER: Final = "vinbot_unreadable"
# Updates whose sender can be answered in the chat they wrote in (never a channel's feed).
_MESSAGE_KINDS: Final = frozenset({"message", "edited_message", "business_message"})


@dataclass(frozen=True, slots=True)
class Unreadable:
    """What is kept of an update PTB could not parse: no text, no user data."""

    update_id: int
    kind: str
    chat_id: int | None


def readable_batch(updates: list[Any]) -> tuple[list[Any], list[Unreadable]]:
    """The batch with every update PTB cannot parse replaced by a placeholder, and those."""
    kept: list[Any] = []
    replaced: list[Unreadable] = []
    for update in updates:
        unreadable = _unreadable(update)
        if unreadable is None:
            kept.append(update)
            continue
        replaced.append(unreadable)
        kept.append(
            {
                "update_id": unreadable.update_id,
                MARKER: {"kind": unreadable.kind, "chat_id": unreadable.chat_id},
            }
        )
    return kept, replaced


def marker_of(update: Update) -> Unreadable | None:
    """The placeholder's details, when this update is one."""
    details = update.api_kwargs.get(MARKER)
    if not isinstance(details, dict):
        return None
    chat_id = details.get("chat_id")
    return Unreadable(
        update_id=update.update_id,
        kind=str(details.get("kind", "unknown")),
        chat_id=chat_id if isinstance(chat_id, int) else None,
    )


def _unreadable(update: Any) -> Unreadable | None:
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return None  # nothing to keep the offset moving with; PTB reports it
    try:
        Update.de_json(update, None)
    except Exception as exc:  # noqa: BLE001 - whatever PTB raises, this update must not stop polling
        kind = update_kind(update)
        log.error(
            "update_unreadable",
            update_id=update["update_id"],
            kind=kind,
            error_type=type(exc).__name__,
        )
        chat_id = _chat_id(update.get(kind)) if kind in _MESSAGE_KINDS else None
        return Unreadable(update["update_id"], kind, chat_id)
    return None


def _chat_id(body: object) -> int | None:
    if not isinstance(body, dict):
        return None
    chat = body.get("chat")
    if isinstance(chat, dict) and isinstance(chat.get("id"), int):
        return int(chat["id"])
    return None
