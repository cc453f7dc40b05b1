"""/compare and ⚖️ Compare from /history and /garage, through the real handlers and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.beyond import carsxe_report, recall
from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, running_bot
from vinbot.formatters import compare as texts
from vinbot.formatters.compare import too_few_alert
from vinbot.i18n import words_in
from vinbot.models.callback import MAX_CALLBACK_BYTES, CallbackAction
from vinbot.models.vehicle import Attr, VehicleSpec

HONDA = "1HGCM82633A004352"
BMW = "WBAFR7C57CC811956"
USER = 100

EN = words_in("en")


def honda() -> VehicleSpec:
    return VehicleSpec(
        vin=HONDA,
        source="carsxe",
        year=2003,
        make="Honda",
        model="Accord",
        trim="EX",
        attributes={
            Attr.ENGINE: "3.0L V6",
            Attr.TRANSMISSION: "5-speed automatic",
            Attr.DRIVETRAIN: "FWD",
            Attr.CITY_MPG: "21",
            Attr.HIGHWAY_MPG: "30",
            Attr.MSRP_USD: "26850",
        },
    )


def bmw() -> VehicleSpec:
    return VehicleSpec(
        vin=BMW,
        source="carsxe",
        year=2012,
        make="BMW",
        model="5-Series",
        trim="535i",
        attributes={
            Attr.ENGINE: "3.0L I6 turbo",
            Attr.TRANSMISSION: "5-Speed Automatic",
            Attr.CITY_MPG: "20",
            Attr.HIGHWAY_MPG: "30",
            Attr.MSRP_USD: "55500",
        },
    )


def make_bot(tmp_path: Path, **env: str) -> AbstractAsyncContextManager[BotHarness]:
    carsxe = FakeProvider("carsxe", paid=True, answers={HONDA: honda(), BMW: bmw()})
    return running_bot(tmp_path, [carsxe, FakeProvider("nhtsa")], **env)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_bot(tmp_path) as bot:
        yield bot


def buttons(sent: dict[str, Any]) -> list[dict[str, str]]:
    return [button for row in sent["reply_markup"]["inline_keyboard"] for button in row]


def button(sent: dict[str, Any], starts: str) -> str:
    return next(b["callback_data"] for b in buttons(sent) if b["text"].startswith(starts))


async def flush(bot: BotHarness) -> None:
    await bot.services.privacy.export_user(0)  # flushes queued history writes


async def test_compare_marks_the_differences(bot: BotHarness) -> None:
    """/compare VIN VIN lists both cars; differing rows get ≠, agreeing rows one = line."""
    await bot.send(f"/compare {HONDA} {BMW}")
    text = bot.replies()[-1]
    assert "≠ differs: year, make, model, trim, engine, fuel economy, original price\n" in text
    assert "≠ <b>Year</b>\n    A: 2003\n    B: 2012" in text
    assert "= <b>Transmission</b>: 5-speed automatic" in text  # case aside, the same
    assert "? <b>Drivetrain</b>\n    A: FWD\n    B: not known" in text
    assert "≠ <b>Original price</b>\n    A: $26,850\n    B: $55,500" in text
    assert "— <b>Recalls</b>: not checked yet for either car" in text
    assert "Comparing doesn't look up recalls. To see them, open a car with its 🔎 button" in text
    assert "Too little is known" not in text
    assert len(text) <= 4096
    decode_buttons = buttons(bot.request.sent()[-1])
    assert [b["text"][:4] for b in decode_buttons] == ["🔎 A:", "🔎 B:"]
    assert sorted(bot.providers[0].calls) == [HONDA, BMW]  # both decoded


async def test_cached_decodes_and_recalls_are_used_without_new_calls(bot: BotHarness) -> None:
    """Decodes already cached make no provider call, and cached recalls are counted."""
    bot.extras.vin_recalls.reports[HONDA] = carsxe_report(HONDA, recall("23V1"), recall("23V2"))
    await bot.send(HONDA)
    await bot.send(f"/recalls {HONDA}")
    await bot.send(BMW)
    calls = list(bot.providers[0].calls)
    await bot.send(f"/compare {BMW} {HONDA}")
    text = bot.replies()[-1]
    assert bot.providers[0].calls == calls
    assert "B: 2 campaigns for this VIN" in text
    assert "? <b>Recalls</b>\n    A: not checked yet\n    B: 2 campaigns for this VIN" in text
    assert len(bot.extras.vin_recalls.calls) == 1  # the compare asked for no recalls


async def test_bad_input_is_explained(bot: BotHarness) -> None:
    """No VINs gives the usage, the same VIN twice says so, a mistyped VIN its reason."""
    await bot.send("/compare")
    assert bot.replies()[-1] == texts.compare_usage(EN)
    await bot.send(f"/compare {HONDA} {HONDA.lower()}")
    assert bot.replies()[-1] == texts.compare_same_car(EN)
    await bot.send(f"/compare {HONDA} WBAFR7C57CC81195")
    assert "is not a valid VIN" in bot.replies()[-1]
    assert bot.providers[0].calls == []


async def test_compare_from_history_takes_three_presses(bot: BotHarness) -> None:
    """⚖️ Compare lists the cars, the first press marks A, the second shows A beside B."""
    await bot.send(HONDA)
    await bot.send(BMW)
    await flush(bot)
    await bot.send("/history")
    await bot.press(button(bot.request.sent()[-1], "⚖️"))
    picker = bot.request.sent()[-1]
    assert picker["text"] == texts.compare_pick_first(EN)
    assert [b["text"] for b in buttons(picker)] == [
        "A: 1. 2012 BMW 5-Series",
        "A: 2. 2003 Honda Accord",
    ]
    for b in buttons(picker):
        assert len(b["callback_data"].encode()) <= MAX_CALLBACK_BYTES
    await bot.press(buttons(picker)[1]["callback_data"])
    second = bot.request.sent("editMessageText")[-1]
    assert HONDA in second["text"]
    assert [b["text"] for b in buttons(second)] == ["B: 1. 2012 BMW 5-Series"]
    await bot.press(buttons(second)[0]["callback_data"])
    result = bot.request.sent("editMessageText")[-1]["text"]
    assert "<b>A</b>: 2003 Honda Accord EX" in result
    assert "<b>B</b>: 2012 BMW 5-Series 535i" in result
    assert "≠ <b>Year</b>" in result


async def test_compare_from_the_garage_and_only_for_its_owner(bot: BotHarness) -> None:
    """The garage offers ⚖️ with two cars; someone else's press on it is refused."""
    for vin in (HONDA, BMW):
        await bot.send(vin)
        await bot.press(button(bot.request.sent()[-1], "💾"))
    await bot.send("/garage rename 1 Daily")
    await bot.send("/garage")
    compare = button(bot.request.sent()[-1], "⚖️")
    await bot.press(compare, user_id=555, chat_id=-1, chat_type="group")
    assert bot.request.sent("answerCallbackQuery")[-1]["show_alert"] is True
    await bot.press(compare)
    picker = bot.request.sent()[-1]
    assert [b["text"] for b in buttons(picker)] == ["A: 1. Daily", "A: 2. 2012 BMW 5-Series"]


async def test_one_car_gets_no_compare_button(bot: BotHarness) -> None:
    """A history of one car has no ⚖️ button; an old ⚖️ press on it alerts instead."""
    await bot.send(HONDA)
    await flush(bot)
    await bot.send("/history")
    assert not any(b["text"].startswith("⚖️") for b in buttons(bot.request.sent()[-1]))
    await bot.press(bot.services.callbacks.encode(CallbackAction.COMPARE_START, "h", owner=USER))
    assert bot.request.sent("answerCallbackQuery")[-1]["text"] == too_few_alert(EN)


async def test_each_uncached_decode_counts_against_the_flood_guard(tmp_path: Path) -> None:
    """Two new cars are two lookups: with one left per minute the compare is refused."""
    async with make_bot(tmp_path, USER_DECODES_PER_MINUTE="1") as bot:
        await bot.send(f"/compare {HONDA} {BMW}")
        assert "more lookups than I allow" in bot.replies()[-1]
        assert bot.providers[0].calls == []


async def test_each_decode_spends_the_quota_like_a_lookup(tmp_path: Path) -> None:
    """With one paid lookup left, one car comes from CarsXE and the other from the free source."""
    async with make_bot(tmp_path, DAILY_LOOKUPS_PER_USER="1") as bot:
        await bot.send(f"/compare {HONDA} {BMW}")
        text = bot.replies()[-1]
        assert len(bot.providers[0].calls) == 1
        assert len(bot.providers[1].calls) == 1
        assert "CarsXE" in text
        assert "NHTSA" in text
        assert text.count("used today&#x27;s detailed lookups") == 1
        assert ("<i>A: You&#x27;ve" in text) != ("<i>B: You&#x27;ve" in text)  # said of one car
