"""Through the application's own update queue: one person's slow burst never holds others up."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

from telegram import Update

from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, build_harness, harness_settings
from vinbot.models.vin import check_digit

HONDA = "1HGCM82633A004352"
# Long enough that only a stuck bot misses it; the hog's decodes never finish before it.
ANSWER_TIMEOUT = 10.0


def valid_vins(count: int) -> list[str]:
    """Distinct VINs with a correct check digit (so each needs its own upstream call)."""
    vins = []
    for serial in range(count):
        draft = f"1HGCM82603A{serial:06d}"
        vins.append(draft[:8] + check_digit(draft) + draft[9:])
    return vins


async def queue(bot: BotHarness, text: str, user_id: int) -> None:
    """Offer a message the way polling does: through the update queue."""
    update = {"update_id": next(bot._ids), "message": bot.message(text, user_id=user_id)}
    await bot.application.update_queue.put(Update.de_json(update, bot.application.bot))


async def replies_to(bot: BotHarness, chat_id: int, count: int) -> None:
    """Wait until the bot has sent `count` messages to one chat."""
    async with asyncio.timeout(ANSWER_TIMEOUT):
        while len([c for c in bot.request.sent() if c["chat_id"] == chat_id]) < count:
            await asyncio.sleep(0.01)


async def test_a_user_flooding_slow_lookups_does_not_delay_another_users_answer(
    tmp_path: Path,
) -> None:
    """Eight hanging lookups from one user leave room for another user's cached answer."""
    hold = asyncio.Event()
    nhtsa = FakeProvider("nhtsa")
    settings = harness_settings(
        tmp_path,
        CONCURRENT_UPDATES="4",
        CONCURRENT_UPDATES_PER_USER="2",
        USER_DECODES_PER_MINUTE="0",
        DAILY_LOOKUPS_PER_USER="0",
    )
    async with AsyncExitStack() as stack:
        bot = await build_harness(settings, [nhtsa], stack)
        await stack.enter_async_context(bot.running())
        await queue(bot, HONDA, user_id=200)
        await replies_to(bot, 200, 1)  # the Honda is cached from now on

        nhtsa.hold = hold
        for vin in valid_vins(8):
            await queue(bot, vin, user_id=100)
        # The hog fills its two places first (each message is looked up for a /value draft
        # before it is read as a VIN, so this is not instant).
        async with asyncio.timeout(ANSWER_TIMEOUT):
            while len(nhtsa.calls) < 1 + 2:
                await asyncio.sleep(0.01)
        await queue(bot, HONDA, user_id=200)
        try:
            await replies_to(bot, 200, 2)
            assert not hold.is_set()
            assert len(nhtsa.calls) == 1 + 2  # the hog's third lookup is still waiting in line
        finally:
            hold.set()
        await replies_to(bot, 100, 8)
