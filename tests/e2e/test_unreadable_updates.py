"""An update python-telegram-bot cannot parse no longer stops polling for everyone."""

from __future__ import annotations

import time

import pytest

from tests.e2e.harness import World
from tests.e2e.test_bot_recovery import log_events, texts_to
from vinbot.formatters.recovery import UPDATE_NOT_PROCESSED

pytestmark = pytest.mark.slow

HONDA = "1HGCM82633A004352"
SENDER = 6301
OTHER = 6302
ADMIN = 6399


def message_this_ptb_cannot_read(world: World, user_id: int) -> dict[str, object]:
    """A private message carrying a poll whose option lacks a field PTB 22.8 requires.

    Telegram adds fields over time and PTB's types follow; when the two disagree, PTB raises
    while parsing the whole getUpdates batch. The missing `persistent_id` stands for any such
    mismatch.
    """
    return {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "P"},
        "from": world.telegram.api.user(user_id),
        "poll": {
            "id": "5",
            "question": "Which car?",
            "options": [{"text": "Accord", "voter_count": 0}],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
        },
    }


async def test_an_unparseable_update_is_skipped_with_an_apology_and_the_next_is_answered(
    world: World,
) -> None:
    """Its sender gets a plain apology, admins one alert, and the next user their answer."""
    telegram = world.telegram
    bot = await world.start_bot(ADMIN_IDS=str(ADMIN))
    telegram.add_update({"message": message_this_ptb_cannot_read(world, SENDER)})
    telegram.send_text(OTHER, HONDA)

    await telegram.wait_until(
        lambda: any("Honda" in text or "Accord" in text for text in texts_to(world, OTHER)),
        what="the next user's decode",
    )
    await telegram.wait_confirmed()
    assert texts_to(world, SENDER) == [UPDATE_NOT_PROCESSED]
    alerts = texts_to(world, ADMIN)
    assert len(alerts) == 1
    assert "Unreadable update" in alerts[0]
    events = log_events(bot, "update_unreadable")
    assert [event["kind"] for event in events] == ["message"]
    assert "Accord" not in bot.logs().split("update_unreadable", 1)[1].split("\n", 1)[0]
    assert await bot.terminate() == 0
