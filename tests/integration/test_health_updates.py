"""/health hears about every update the application handles: a stuck handler turns it 503."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

from telegram import Update

from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import build_harness, harness_settings

HONDA = "1HGCM82633A004352"
LATER = 3600.0  # far past every health threshold


async def test_a_handler_stuck_on_a_provider_turns_health_unhealthy_until_it_finishes(
    tmp_path: Path,
) -> None:
    """While the only update hangs, /health (an hour on) names it; once it finishes, all is well."""
    nhtsa = FakeProvider("nhtsa", hold=asyncio.Event())
    async with AsyncExitStack() as stack:
        bot = await build_harness(harness_settings(tmp_path), [nhtsa], stack)
        await stack.enter_async_context(bot.running())
        health = bot.services.health
        real_clock = health._clock
        update = Update.de_json(
            {"update_id": 1, "message": bot.message(HONDA)}, bot.application.bot
        )
        handling = asyncio.create_task(bot.application.process_update(update))
        async with asyncio.timeout(5):
            while not nhtsa.calls:
                await asyncio.sleep(0.01)

        health._clock = lambda: real_clock() + LATER
        health.mark_poll_ok()  # polling itself is fine: only the handler is stuck
        stuck = health.liveness()
        assert not stuck.healthy
        assert stuck.reason is not None
        assert "1 update in flight" in stuck.reason

        assert nhtsa.hold is not None
        nhtsa.hold.set()
        await handling
        assert health.liveness().healthy
