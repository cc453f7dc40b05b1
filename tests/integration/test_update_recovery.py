"""Update listeners and the start-up recovery through the real Application and a SQLite journal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, build_harness, harness_settings
from tests.integration.test_update_journal import stored_ids
from vinbot.formatters.recovery import BUTTON_NOT_PROCESSED, UPDATE_NOT_PROCESSED
from vinbot.handlers.context import BotContext
from vinbot.journal import UpdateJournal
from vinbot.models.vehicle import VehicleSpec
from vinbot.recovery import recover_updates, skip_journaled_updates
from vinbot.update_tracking import TrackedApplication

HONDA = "1HGCM82633A004352"
ADMINS = (71, 72)
GIVE_UP = 10.0


class Recorder:
    """An update listener writing down what it hears."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    def update_started(self, update_id: int) -> None:
        """Note the start."""
        self.events.append(("started", update_id))

    def update_finished(self, update_id: int) -> None:
        """Note the end."""
        self.events.append(("finished", update_id))


@pytest.fixture
def env() -> dict[str, str]:
    return {"ADMIN_IDS": ",".join(map(str, ADMINS))}


@pytest.fixture
async def bot(tmp_path: Path, env: dict[str, str]) -> AsyncIterator[BotHarness]:
    spec = VehicleSpec(vin=HONDA, source="nhtsa", year=2003, make="Honda", model="Accord")
    nhtsa = FakeProvider("nhtsa", answers={HONDA: spec})
    async with AsyncExitStack() as stack:
        harness = await build_harness(harness_settings(tmp_path, **env), [nhtsa], stack)
        async with harness.running():
            yield harness


@pytest.fixture
async def journal(bot: BotHarness) -> AsyncIterator[UpdateJournal]:
    journal = UpdateJournal.open(bot.services.settings.database_url, bot.services.instance)
    tracked(bot).update_listeners.append(journal)
    try:
        yield journal
    finally:
        await journal.aclose()


def tracked(bot: BotHarness) -> TrackedApplication:
    """The harness's application, which build_application makes a TrackedApplication."""
    assert isinstance(bot.application, TrackedApplication)
    return bot.application


def update_json(bot: BotHarness, update_id: int, text: str, user_id: int = 300) -> dict[str, Any]:
    """A raw update as getUpdates returns it."""
    return {"update_id": update_id, "message": bot.message(text, user_id=user_id)}


async def journaled(journal: UpdateJournal, *updates: dict[str, Any]) -> None:
    """Put updates in the journal as one fetched batch."""
    journal.record_batch(list(updates))
    await journal.committed()


async def settle(journal: UpdateJournal) -> None:
    """Wait until the journal thread wrote everything queued."""
    assert await asyncio.to_thread(journal.flush_blocking, GIVE_UP)


async def test_listeners_hear_start_and_finish_even_when_a_handler_fails(
    bot: BotHarness,
) -> None:
    """Every update is bracketed by started/finished, also when its handler raises."""
    recorder = Recorder()
    tracked(bot).update_listeners.append(recorder)

    async def boom(update: Update, context: BotContext) -> None:
        del update, context
        assert recorder.events == [("started", 501)]
        raise RuntimeError

    bot.application.add_handler(TypeHandler(Update, boom), group=-9)
    await bot.feed(update_json(bot, 501, HONDA))
    assert recorder.events == [("started", 501), ("finished", 501)]


async def test_an_unfinished_update_is_handled_again_and_then_cleared(
    bot: BotHarness, journal: UpdateJournal
) -> None:
    """A journaled update left by a crash is answered by the recovery, and its row goes."""
    await journaled(journal, update_json(bot, 610, HONDA))
    await recover_updates(tracked(bot), journal, bot.services.admin_alerts)
    assert any("Accord" in text for text in bot.replies())
    await settle(journal)
    assert await stored_ids(bot.services.settings.database_url) == []
    # The batch Telegram may still hold is acknowledged before polling: it must not come back.
    await skip_journaled_updates(tracked(bot), journal)
    assert bot.request.sent("getUpdates")[0]["offset"] == 611


async def test_a_replay_that_raises_is_not_replayed_again(
    bot: BotHarness, journal: UpdateJournal
) -> None:
    """An ordinary exception while replaying is handled by the error handler and the row goes."""

    async def boom(update: Update, context: BotContext) -> None:
        del update, context
        raise RuntimeError

    bot.application.add_handler(TypeHandler(Update, boom), group=-9)
    await journaled(journal, update_json(bot, 620, HONDA))
    await recover_updates(tracked(bot), journal, bot.services.admin_alerts)
    await settle(journal)
    assert await stored_ids(bot.services.settings.database_url) == []


async def test_an_update_that_failed_alone_is_quarantined_with_one_apology_and_alerts(
    bot: BotHarness, journal: UpdateJournal
) -> None:
    """Quarantine: not handled, a plain apology in its chat, one alert per admin, no row kept."""
    await journaled(journal, update_json(bot, 630, HONDA, user_id=333))
    await journal.begin_replay([630])  # its replay on its own failed too
    await recover_updates(tracked(bot), journal, bot.services.admin_alerts)

    messages = bot.request.sent()
    apologies = [m for m in messages if m["text"] == UPDATE_NOT_PROCESSED]
    assert len(apologies) == 1
    assert apologies[0]["chat_id"] == 333
    assert "parse_mode" not in apologies[0]
    alerts = [m for m in messages if m["chat_id"] in ADMINS]
    assert sorted(m["chat_id"] for m in alerts) == list(ADMINS)
    assert all("630" in m["text"] and "quarantined" in m["text"] for m in alerts)
    assert not any("Accord" in text for text in bot.replies())  # not handled again
    assert await stored_ids(bot.services.settings.database_url) == []


async def test_a_quarantined_button_press_gets_its_own_apology_and_a_channel_post_none(
    bot: BotHarness, journal: UpdateJournal
) -> None:
    """A press is told about the button; a channel post gets no apology in the channel's feed."""
    press = {
        "update_id": 650,
        "callback_query": {
            "id": "q1",
            "from": {"id": 351, "is_bot": False, "first_name": "P"},
            "chat_instance": "ci",
            "data": "x",
            "message": bot.message("🚗", user_id=351),
        },
    }
    post = {
        "update_id": 651,
        "channel_post": {
            "message_id": 9,
            "date": 0,
            "chat": {"id": -100777, "type": "channel", "title": "Cars"},
            "text": HONDA,
        },
    }
    await journaled(journal, press, post)
    await journal.begin_replay([650])
    await journal.begin_replay([651])
    await recover_updates(tracked(bot), journal, bot.services.admin_alerts)

    sent = [m for m in bot.request.sent() if m["chat_id"] not in ADMINS]
    assert [(m["chat_id"], m["text"]) for m in sent] == [(351, BUTTON_NOT_PROCESSED)]


async def test_updates_beside_a_failing_one_are_replayed_not_quarantined(
    bot: BotHarness, journal: UpdateJournal
) -> None:
    """After a replay in company failed, each update gets a replay of its own first."""
    await journaled(
        journal,
        update_json(bot, 640, HONDA, user_id=341),
        update_json(bot, 641, HONDA, user_id=342),
    )
    await journal.begin_replay([640, 641])  # the replay in company failed for both
    await recover_updates(tracked(bot), journal, bot.services.admin_alerts)
    assert UPDATE_NOT_PROCESSED not in bot.replies()
    assert sorted(m["chat_id"] for m in bot.request.sent() if "Accord" in m["text"]) == [341, 342]


@pytest.mark.parametrize("env", [{"CONCURRENT_UPDATES": "2"}])
async def test_replays_run_no_more_at_once_than_concurrent_updates(
    bot: BotHarness, journal: UpdateJournal
) -> None:
    """Many updates left by a crash are handled again at most CONCURRENT_UPDATES at a time."""
    running: list[int] = []
    most = 0

    async def count(update: Update, context: BotContext) -> None:
        del context
        nonlocal most
        running.append(update.update_id)
        most = max(most, len(running))
        await asyncio.sleep(0.01)
        running.remove(update.update_id)

    bot.application.add_handler(TypeHandler(Update, count), group=-9)
    await journaled(journal, *(update_json(bot, 650 + n, HONDA, user_id=350 + n) for n in range(6)))
    await recover_updates(tracked(bot), journal, bot.services.admin_alerts)
    assert most == 2
