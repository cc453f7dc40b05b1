"""📄 Report through the real Application: one PDF per tap, none for a double tap, no lookup."""

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
    async with make_bot(tmp_path, USER_DECODES_PER_MINUTE="1") as bot:
        yield bot


async def test_the_decode_carries_a_report_button(bot: BotHarness) -> None:
    """The answer to a VIN has a 📄 Report button whose data asks for that VIN's report."""
    await bot.send(HONDA)

    (answer,) = bot.request.sent()
    buttons = [b for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    report = next(b for b in buttons if b["text"] == "📄 Report")
    callback = bot.services.callbacks.decode(report["callback_data"])
    assert callback is not None
    assert (callback.action, callback.payload) == (CallbackAction.REPORT, HONDA)


async def test_a_double_tap_sends_one_report_and_spends_no_lookup(bot: BotHarness) -> None:
    """Two taps while the PDF is drawn give one document; neither uses the per-minute limit."""
    await bot.send(HONDA)  # the one lookup this minute allows
    calls = [len(provider.calls) for provider in bot.providers]
    data = bot.services.callbacks.encode(CallbackAction.REPORT, HONDA)

    await asyncio.gather(bot.press(data), bot.press(data))

    (files,) = bot.request.files("sendDocument")
    (pdf,) = files.values()
    assert pdf.startswith(b"%PDF")
    assert len(bot.request.sent("answerCallbackQuery")) == 2  # both spinners stop
    assert [len(provider.calls) for provider in bot.providers] == calls
    await bot.press(data)  # a later tap makes another, the flood guard notwithstanding
    assert len(bot.request.files("sendDocument")) == 2
