"""Placeholders for updates PTB cannot parse: the offset moves on, nothing of the update is kept."""

from __future__ import annotations

from typing import Any

from structlog.testing import capture_logs
from telegram import Update

from vinbot.unreadable_updates import Unreadable, marker_of, readable_batch

READABLE: dict[str, Any] = {
    "update_id": 10,
    "message": {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 5, "type": "private"},
        "text": "hi",
    },
}
# A poll option without the persistent_id PTB 22.8 requires (Bot API 9.6).
BROKEN_POLL = {"id": "1", "question": "?", "options": [{"text": "a", "voter_count": 0}]}


def broken(update_id: int, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """An update of one kind that PTB cannot parse."""
    return {"update_id": update_id, kind: body}


def test_readable_updates_pass_untouched() -> None:
    """A batch PTB can read comes back as it was, with nothing replaced."""
    kept, replaced = readable_batch([READABLE])
    assert kept == [READABLE]
    assert replaced == []


def test_an_unreadable_message_becomes_a_placeholder_with_its_chat_only() -> None:
    """The placeholder keeps the update id and chat, never the text; PTB can read it."""
    message = {**READABLE["message"], "text": "secret", "poll": BROKEN_POLL}
    with capture_logs() as events:
        kept, replaced = readable_batch([READABLE, broken(11, "message", message)])
    assert replaced == [Unreadable(update_id=11, kind="message", chat_id=5)]
    assert kept[0] == READABLE
    assert "secret" not in repr(kept[1])
    placeholder = Update.de_json(kept[1], None)
    assert marker_of(placeholder) == replaced[0]
    assert marker_of(Update.de_json(READABLE, None)) is None
    assert [e["event"] for e in events] == ["update_unreadable"]
    assert "secret" not in repr(events)


def test_an_unreadable_update_outside_a_chat_gets_no_chat_to_answer() -> None:
    """A poll update has no sender to apologise to: the placeholder says so."""
    _, replaced = readable_batch([broken(12, "poll", BROKEN_POLL)])
    assert replaced == [Unreadable(update_id=12, kind="poll", chat_id=None)]


def test_an_update_without_an_id_is_left_for_ptb_to_report() -> None:
    """Without an update_id no placeholder could move the offset: it is left as it came."""
    odd: dict[str, Any] = {"message": {"poll": BROKEN_POLL}}
    kept, replaced = readable_batch([odd])
    assert kept == [odd]
    assert replaced == []
