"""/obd and trouble codes in messages, through the real Application and a SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, running_bot
from vinbot.formatters import obd as texts
from vinbot.i18n import words_in
from vinbot.models.errors import ObdCodeNotFound, ProviderUnavailable

HONDA = "1HGCM82633A004352"

EN = words_in("en")


def make_bot(
    tmp_path: Path, *, paid: bool = True, **env: str
) -> AbstractAsyncContextManager[BotHarness]:
    providers = [FakeProvider("nhtsa")]
    if paid:
        providers.insert(0, FakeProvider("carsxe", paid=True))
    return running_bot(tmp_path, providers, **env)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_bot(tmp_path) as bot:
        yield bot


async def test_obd_explains_a_code_and_the_second_ask_is_free(bot: BotHarness) -> None:
    """/obd P0420 answers from CarsXE; asking again is served from the cache with no call."""
    bot.extras.obd.meanings["P0420"] = "Catalyst System Efficiency Below Threshold (Bank 1)"
    await bot.send("/obd p0420")
    answer = bot.replies()[-1]
    assert "<b>P0420</b>: Catalyst System Efficiency Below Threshold (Bank 1)" in answer
    assert texts.obd_caveat(EN) in answer
    await bot.send("/obd P0420")
    assert bot.replies()[-1] == answer
    assert bot.extras.obd.calls == ["P0420"]
    usage = await bot.services.status.report()
    assert usage.metrics.paid_calls == 1


async def test_a_malformed_code_gets_a_hint_and_no_call(bot: BotHarness) -> None:
    """What is wrong is said (second character out of range) with the format, for free."""
    await bot.send("/obd P9420")
    assert "the second character is &#x27;9&#x27;" in bot.replies()[-1]
    assert "like P0420" in bot.replies()[-1]
    await bot.send("/obd")
    assert bot.replies()[-1] == texts.obd_usage(EN)
    assert bot.extras.obd.calls == []


async def test_a_code_in_a_message_is_explained(bot: BotHarness) -> None:
    """ "check engine light P0301" gets the meaning instead of the no-VIN hint."""
    await bot.send("check engine light P0301 since yesterday")
    (answer,) = bot.replies()
    assert "<b>P0301</b>: Meaning of P0301" in answer
    assert bot.extras.obd.calls == ["P0301"]


async def test_a_model_name_in_a_message_costs_nothing(bot: BotHarness) -> None:
    """A Chevy C1500 or Mazda B2300 is no trouble code: no code reply and no paid lookup."""
    await bot.send("1995 Chevy C1500 1GCEC14K2SZ123456")
    (decode,) = bot.replies()
    assert "1GCEC14K2SZ123456" in decode
    assert "C1500</b>:" not in decode
    await bot.send("Mazda B2300 pickup")
    assert "B2300</b>" not in bot.replies()[-1]
    assert len(bot.replies()) == 2
    await bot.send("got code P0420")
    await bot.send("P0301")
    assert "<b>P0420</b>: Meaning of P0420" in bot.replies()[-2]
    assert "<b>P0301</b>: Meaning of P0301" in bot.replies()[-1]
    assert bot.extras.obd.calls == ["P0420", "P0301"]


async def test_full_width_obd_input_gets_the_hint(bot: BotHarness) -> None:
    """/obd PO420 typed full width (letter O) is read as PO420: "did you mean P0420?"."""
    await bot.send("/obd " + "PO420".translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}))
    assert "Did you mean P0420?" in bot.replies()[-1]
    assert bot.extras.obd.calls == []


async def test_a_message_with_a_vin_and_a_code_gets_both(bot: BotHarness) -> None:
    """The VIN is still decoded first, then the code is explained; a plain VIN gets no code."""
    await bot.send(f"my {HONDA} throws code P0420")
    decode, code = bot.replies()
    assert HONDA in decode
    assert "<b>P0420</b>" in code
    await bot.send("1FT P0420 A0B 123456")  # a spaced VIN with a code-shaped group
    assert "1FTP0420A0B123456" in bot.replies()[-1]
    assert bot.extras.obd.calls == ["P0420"]
    assert len(bot.replies()) == 3


async def test_unknown_codes_and_outages_are_worded_apart(bot: BotHarness) -> None:
    """An unknown code says CarsXE doesn't know it; an outage says to try again later."""
    bot.extras.obd.error = ObdCodeNotFound("carsxe", "P1234", paid_call_made=True)
    await bot.send("/obd P1234")
    assert "CarsXE doesn't know this code" in bot.replies()[-1]
    bot.extras.obd.error = ProviderUnavailable("carsxe", "HTTP 503")
    await bot.send("/obd P0171 B0001 C0035 U0100")
    answer = bot.replies()[-1]
    assert "couldn't look this code up right now" in answer
    assert "1 more code skipped" in answer
    assert bot.extras.obd.calls == ["P1234", "P0171", "B0001", "C0035"]


async def test_past_the_quota_only_cached_codes_are_explained(tmp_path: Path) -> None:
    """With the day's paid lookups spent, a new code is refused and a cached one still shown."""
    async with make_bot(tmp_path, DAILY_LOOKUPS_PER_USER="1") as bot:
        await bot.send("/obd P0420")
        await bot.send("/obd P0301")
        assert "explaining a code is a paid lookup" in bot.replies()[-1]
        await bot.send("/obd P0420")
        assert "Meaning of P0420" in bot.replies()[-1]
        assert bot.extras.obd.calls == ["P0420"]


async def test_without_carsxe_the_feature_explains_itself(tmp_path: Path) -> None:
    """No CarsXE key: /obd says the feature needs one; a code in a message says it once."""
    async with make_bot(tmp_path, paid=False) as bot:
        await bot.send("/obd P0420")
        assert bot.replies()[-1] == texts.obd_no_key(EN)
        await bot.send("P0420")
        await bot.send("code P0420 again")
        assert bot.replies() == [texts.obd_no_key(EN), texts.obd_no_key(EN)]


async def test_codes_count_against_the_flood_guard(tmp_path: Path) -> None:
    """Past USER_DECODES_PER_MINUTE a code lookup is refused with the slow-down notice."""
    async with make_bot(tmp_path, USER_DECODES_PER_MINUTE="1") as bot:
        await bot.send("/obd P0420")
        await bot.send("/obd P0301")
        assert "more lookups than I allow" in bot.replies()[-1]
        assert bot.extras.obd.calls == ["P0420"]


async def test_two_asks_at_once_make_one_paid_call(bot: BotHarness) -> None:
    """Two people asking about one code at the same moment share one CarsXE call and one charge."""
    bot.extras.obd.delay = 0.05
    await asyncio.gather(bot.send("/obd P0420", user_id=1), bot.send("/obd P0420", user_id=2))
    assert bot.extras.obd.calls == ["P0420"]
    assert [("Meaning of P0420" in text) for text in bot.replies()] == [True, True]
    assert (await bot.services.status.report()).metrics.paid_calls == 1
