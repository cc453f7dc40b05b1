"""Every action that can reach an upstream spends the one per-user flood-guard budget."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

import pytest

from tests.fakes.beyond import nhtsa_report, recall
from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, build_harness, harness_settings
from tests.integration.test_extras_handlers import inline
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import ProviderUnavailable
from vinbot.models.vehicle import VehicleSpec

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

HONDA = "1HGCM82633A004352"
BMW = "WBAFR7C57CC811956"


def honda(source: str) -> VehicleSpec:
    return VehicleSpec(vin=HONDA, source=source, year=2003, make="Honda", model="Accord")  # type: ignore[arg-type]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """A paid bot allowing one lookup a minute, whose one lookup is already spent on HONDA."""
    providers = [
        FakeProvider("carsxe", paid=True, answers={HONDA: honda("carsxe")}),
        FakeProvider("nhtsa", answers={HONDA: honda("nhtsa")}),
    ]
    async with AsyncExitStack() as stack:
        settings = harness_settings(tmp_path, USER_DECODES_PER_MINUTE="1")
        harness = await build_harness(settings, providers, stack)
        await stack.enter_async_context(harness.running())
        harness.extras.model_recalls.reports[("Honda", "Accord", 2003)] = nhtsa_report(
            "Honda", "Accord", 2003, *[recall(f"2{i}V00{i}000") for i in range(7)]
        )
        await harness.send(HONDA)
        assert "Honda Accord" in harness.replies()[-1]
        yield harness


def upstream_calls(bot: BotHarness) -> int:
    extras = bot.extras
    return (
        sum(len(p.calls) for p in bot.providers)
        + len(extras.vin_recalls.calls)
        + len(extras.model_recalls.calls)
        + len(extras.values.calls)
        + len(extras.plates.calls)
        + len(extras.reader.images)
    )


def last_answer(bot: BotHarness) -> dict[str, Any]:
    return bot.request.sent("answerCallbackQuery")[-1]


async def assert_button_refused(bot: BotHarness, data: str) -> None:
    """Press a button past the budget: the press is answered with an alert, nothing is posted
    in the chat, and no upstream is asked."""
    calls, messages = upstream_calls(bot), len(bot.replies())
    await bot.press(data)
    answer = last_answer(bot)
    assert "more lookups than I allow" in answer["text"]
    assert answer.get("show_alert") in {True, "true", "True"}
    assert len(bot.replies()) == messages
    assert upstream_calls(bot) == calls


async def test_recalls_command_is_guarded(bot: BotHarness) -> None:
    """/recalls past the budget says "slow down" and asks no recall source."""
    calls = upstream_calls(bot)
    await bot.send(f"/recalls {HONDA}")
    assert "Please wait" in bot.replies()[-1]
    assert upstream_calls(bot) == calls


async def test_plate_command_is_guarded(bot: BotHarness) -> None:
    """/plate past the budget says "slow down" and makes no plate lookup."""
    await bot.send("/plate 7ABC123 CA")
    assert "Please wait" in bot.replies()[-1]
    assert bot.extras.plates.calls == []


async def test_value_command_is_guarded(bot: BotHarness) -> None:
    """/value past the budget says "slow down" and starts no valuation."""
    await bot.send(f"/value {HONDA}")
    assert "Please wait" in bot.replies()[-1]
    await bot.send("85000")
    assert "state" not in bot.replies()[-1].lower()


async def test_value_button_is_guarded(bot: BotHarness) -> None:
    """The 💰 button past the budget is refused with an alert on the press itself."""
    await assert_button_refused(bot, bot.services.callbacks.encode(CallbackAction.VALUE, HONDA))


async def test_recalls_button_is_guarded(bot: BotHarness) -> None:
    """The Recalls button past the budget is refused with an alert, not a chat message."""
    await assert_button_refused(bot, bot.services.callbacks.encode(CallbackAction.RECALLS, HONDA))


async def test_recall_page_button_is_guarded(bot: BotHarness) -> None:
    """A recall page button past the budget is refused with an alert and edits nothing."""
    data = bot.services.callbacks.encode(CallbackAction.RECALLS_PAGE, f"{HONDA}:1")
    await assert_button_refused(bot, data)
    assert bot.request.sent("editMessageText") == []


async def test_reopen_buttons_are_guarded(bot: BotHarness) -> None:
    """A history re-open (a fresh decode) past the budget is refused with an alert."""
    await assert_button_refused(
        bot, bot.services.callbacks.encode(CallbackAction.HISTORY_OPEN, BMW)
    )


async def test_full_specs_of_an_uncached_vin_is_guarded(bot: BotHarness) -> None:
    """Full specs for a VIN no longer cached is a lookup: refused past the budget."""
    await assert_button_refused(bot, bot.services.callbacks.encode(CallbackAction.SPECS, BMW))


async def test_full_specs_from_the_cache_is_free(tmp_path: Path) -> None:
    """Full specs of the answer on screen comes from the cache: shown with no budget left and
    no upstream call, even when a better provider could be asked again (NHTSA's answer cached
    while CarsXE was down)."""
    carsxe = FakeProvider("carsxe", paid=True, answers={HONDA: honda("carsxe")})
    carsxe.error = ProviderUnavailable("carsxe", "502")
    nhtsa = FakeProvider("nhtsa", answers={HONDA: honda("nhtsa")})
    async with AsyncExitStack() as stack:
        settings = harness_settings(tmp_path, USER_DECODES_PER_MINUTE="1")
        bot = await build_harness(settings, [carsxe, nhtsa], stack)
        await stack.enter_async_context(bot.running())
        await bot.send(HONDA)
        carsxe.error = None
        calls = upstream_calls(bot)
        await bot.press(bot.services.callbacks.encode(CallbackAction.SPECS, HONDA))
        await bot.press(bot.services.callbacks.encode(CallbackAction.SUMMARY, HONDA))
        await bot.press(bot.services.callbacks.encode(CallbackAction.SPECS, HONDA))
    edits = bot.request.sent("editMessageText")
    assert len(edits) == 3
    assert all("Honda Accord" in edit["text"] for edit in edits)
    assert upstream_calls(bot) == calls


async def test_refused_inline_query_gets_no_results_and_a_slow_down_button(
    bot: BotHarness,
) -> None:
    """An inline VIN past the budget is answered with no results and a "try again" button,
    and no provider is asked."""
    calls = upstream_calls(bot)
    assert await inline(bot, BMW) == []
    answer = bot.request.sent("answerInlineQuery")[-1]
    button = answer["button"]
    button = json.loads(button) if isinstance(button, str) else button
    assert "try again in" in button["text"]
    assert str(answer.get("cache_time")) == "0"
    assert upstream_calls(bot) == calls
