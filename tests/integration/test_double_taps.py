"""A double tap on a button does its work once; a later tap works again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.bot_harness import BotHarness
from tests.integration.test_extras_handlers import HONDA, make_bot
from vinbot.models.callback import CallbackAction


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_bot(tmp_path) as bot:
        yield bot


async def test_a_double_tap_on_recalls_sends_one_report_and_stops_both_spinners(
    bot: BotHarness,
) -> None:
    """Two taps of Recalls while the first is still loading give one report, two answers."""
    bot.extras.vin_recalls.delay = 0.05
    data = bot.services.callbacks.encode(CallbackAction.RECALLS, HONDA)
    await asyncio.gather(bot.press(data), bot.press(data))
    reports = [text for text in bot.replies() if "recall" in text.lower()]
    assert len(reports) == 1
    assert len(bot.request.sent("answerCallbackQuery")) == 2

    await bot.press(data)  # the first tap's claim is released: a new tap is a new request
    assert len([text for text in bot.replies() if "recall" in text.lower()]) == 2


async def test_a_double_tap_on_market_value_asks_the_first_question_once(bot: BotHarness) -> None:
    """Two taps of 💰 start one valuation: one mileage question, and answering it goes on."""
    bot.request.latency = 0.01  # the first question takes a round trip to Telegram
    data = bot.services.callbacks.encode(CallbackAction.VALUE, HONDA)
    await asyncio.gather(bot.press(data), bot.press(data))
    assert len([text for text in bot.replies() if "mileage" in text]) == 1
    await bot.send("85k")
    assert "state" in bot.replies()[-1].lower()
