"""Crashes in the real bot process: kill -9 mid-update and a frozen event loop lose no message."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

import pytest

from tests.e2e.harness import BotProcess, World
from tests.fakes.stalling_bot import MAGIC_TEXT
from vinbot.formatters.recovery import UPDATE_NOT_PROCESSED
from vinbot.watchdog import EXIT_LOOP_STALLED

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
HONDA = "1HGCM82633A004352"
USER = 6101
OTHER_USER = 6102
ADMIN = 6199
STALLING_BOT = "tests.fakes.stalling_bot"
EXIT_TIMEOUT = 30.0


def texts_to(world: World, chat_id: int) -> list[str]:
    """Every text the bot got delivered to one chat, in order."""
    return [m.get("text", "") for m in world.telegram.sent_messages(chat_id)]


def log_events(bot: BotProcess, event: str) -> list[dict[str, Any]]:
    """The bot's JSON log lines for one event."""
    found = []
    for line in bot.logs().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == event:
                found.append(record)
    return found


async def exit_code(bot: BotProcess) -> int:
    """Wait for the process to end by itself."""
    async with asyncio.timeout(EXIT_TIMEOUT):
        return await bot.process.wait()


async def test_kill_9_while_a_provider_hangs_still_answers_after_restart(world: World) -> None:
    """A VIN whose decode was waiting when the bot was killed is answered, once, after a restart."""
    world.carsxe.slow_next(seconds=60)
    env = {"HTTP_TIMEOUT_SECONDS": "90", "DECODE_DEADLINE_SECONDS": "120"}
    bot = await world.start_bot(**env)
    world.telegram.send_text(USER, BMW)
    await world.telegram.wait_until(lambda: world.carsxe.count("/specs") >= 1, 10, "a decode")
    # Telegram was told to forget the update: from here on only the bot can remember it.
    await world.telegram.wait_confirmed()
    bot.process.send_signal(signal.SIGKILL)
    await bot.process.wait()
    assert not any(BMW in text for text in texts_to(world, USER))

    restarted = await world.start_bot(**env)
    await world.telegram.wait_for_message(USER, lambda m: BMW in m.get("text", ""))
    assert log_events(restarted, "update_replayed")
    assert await restarted.terminate() == 0
    assert sum(BMW in text for text in texts_to(world, USER)) == 1


async def test_a_frozen_loop_exits_and_the_update_is_quarantined_after_two(world: World) -> None:
    """A message that freezes the loop ends the process twice, then gets an apology and an alert."""
    env = {"LOOP_STALL_SECONDS": "2", "ADMIN_IDS": str(ADMIN)}
    first = await world.start_bot(module=STALLING_BOT, **env)
    stall_id = world.telegram.send_text(USER, MAGIC_TEXT)
    assert await exit_code(first) == EXIT_LOOP_STALLED
    (stalled,) = log_events(first, "loop_stalled")
    assert stalled["update_ids"] == [stall_id]
    assert "spin_forever" in stalled["stack"]

    # The restart handles it again (once) and freezes again.
    second = await world.start_bot(module=STALLING_BOT, wait=False, **env)
    assert await exit_code(second) == EXIT_LOOP_STALLED
    assert log_events(second, "loop_stalled")[0]["update_ids"] == [stall_id]

    world.telegram.send_text(USER, BMW)
    world.telegram.send_text(OTHER_USER, HONDA)
    third = await world.start_bot(module=STALLING_BOT, **env)
    await world.telegram.wait_for_message(USER, lambda m: BMW in m.get("text", ""))
    await world.telegram.wait_for_message(OTHER_USER, lambda m: HONDA in m.get("text", ""))
    assert texts_to(world, USER).count(UPDATE_NOT_PROCESSED) == 1
    alerts = texts_to(world, ADMIN)
    assert len(alerts) == 1
    assert str(stall_id) in alerts[0]
    assert [e["update_id"] for e in log_events(third, "update_quarantined")] == [stall_id]
    assert not log_events(third, "update_replayed")
    assert await third.terminate() == 0
