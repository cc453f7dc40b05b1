"""The theft and title check through the handlers: offer, confirmation, answer, garage."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.beyond import STOLEN_EVENT
from tests.integration.bot_harness import BotHarness
from tests.integration.test_extras_handlers import make_bot
from vinbot.formatters import account
from vinbot.formatters import title_check as texts
from vinbot.i18n import words_in
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import ProviderUnavailable
from vinbot.models.title_check import LienTheftReport, TheftEvent, TitleHistory, TitleRecord
from vinbot.services.single_flight import SingleFlight

HONDA = "1HGCM82633A004352"
CHEVY = "1G1JC5444R7252367"  # another US-market car (a Chevrolet)
EUROPEAN = "WVWZZZ1KZAW123456"  # a Golf built for Europe: no check digit, no US title
USER = 100
LIEN = TheftEvent(name="Open Lien", kind="lien", location="TX", lienholder="Acme Credit")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with make_bot(tmp_path, DAILY_LOOKUPS_PER_USER="7") as bot:
        yield bot


def buttons(sent: dict[str, Any]) -> list[dict[str, str]]:
    markup = sent.get("reply_markup") or {"inline_keyboard": []}
    return [b for row in markup["inline_keyboard"] for b in row]


def confirm_data(bot: BotHarness) -> str:
    return bot.services.callbacks.encode(CallbackAction.TITLE_CONFIRM, HONDA, owner=USER)


async def test_decode_of_a_us_vin_offers_the_check(bot: BotHarness) -> None:
    """A US-market decode carries the 🛡 Theft & title button, which opens the offer."""
    await bot.send(HONDA)
    check = next(b for b in buttons(bot.request.sent()[-1]) if "Theft" in b["text"])
    await bot.press(check["callback_data"])
    assert "uses 2 of your 6 paid lookups left today" in bot.replies()[-1]
    assert bot.extras.titles.calls == []


async def test_check_shows_the_cost_and_spends_only_on_the_press(bot: BotHarness) -> None:
    """/check shows the cost and a confirm button; nothing is called until it is pressed."""
    await bot.send(f"/check {HONDA}")
    offer = bot.request.sent()[-1]
    assert "uses 2 of your 7 paid lookups left today" in offer["text"]
    assert any("Check" in b["text"] for b in buttons(offer))
    assert bot.extras.titles.calls == []
    await bot.press(buttons(offer)[0]["callback_data"])
    assert sorted(kind for kind, _ in bot.extras.titles.calls) == ["history", "lien-theft"]
    assert (
        "No theft, lien or export records found" in bot.request.sent("editMessageText")[-1]["text"]
    )


async def test_stolen_car_leads_with_the_theft(bot: BotHarness) -> None:
    """A theft record comes first, before the lien and the salvage brand, with police advice."""
    titles = bot.extras.titles
    titles.thefts[HONDA] = LienTheftReport(events=(LIEN, STOLEN_EVENT))
    titles.histories[HONDA] = TitleHistory(
        records=(
            TitleRecord("brand", date=dt.date(2021, 5, 1), state="FL", description="SALVAGE"),
            TitleRecord("title", date=dt.date(2020, 1, 2), state="OH", odometer=40000),
        )
    )
    await bot.press(confirm_data(bot))
    text = bot.request.sent("editMessageText")[-1]["text"]
    assert text.index("⛔") < text.index("Open Lien") < text.index("SALVAGE")
    assert "tell the police, with the VIN and where the car is offered" in text
    assert "reported to be an Active Theft" in text
    assert "so the lender can claim it" in text


async def test_no_records_never_reads_as_clean(bot: BotHarness) -> None:
    """An empty answer says no records were found and what NMVTIS covers, never "clean"."""
    await bot.press(confirm_data(bot))
    text = bot.request.sent("editMessageText")[-1]["text"]
    assert "clean" not in text.lower()
    assert texts.no_title_records(words_in("en")) in text
    assert "No title records found" not in text
    assert "titled outside the US" in text
    assert "accidents or repairs unless an insurer wrote the car off" in text


async def test_non_us_vin_makes_no_call(bot: BotHarness) -> None:
    """A VIN built for Europe is explained, with no offer and no paid call."""
    await bot.send(f"/check {EUROPEAN}")
    reply = bot.request.sent()[-1]
    assert "doesn't look like one made for the US market" in reply["text"]
    assert "nothing was spent" in reply["text"]
    assert "reply_markup" not in reply
    await bot.press(
        bot.services.callbacks.encode(CallbackAction.TITLE_CONFIRM, EUROPEAN, owner=USER)
    )
    assert bot.extras.titles.calls == []


async def test_cached_answer_is_free_and_immediate(bot: BotHarness) -> None:
    """After a check, /check answers from the cache at once: no offer, no new calls."""
    await bot.press(confirm_data(bot))
    await bot.send(f"/check {HONDA}")
    assert "No theft, lien or export records found" in bot.replies()[-1]
    assert len(bot.extras.titles.calls) == 2


async def test_double_tap_makes_one_paid_check(bot: BotHarness) -> None:
    """Two taps on the confirm button at once make one pair of calls."""
    bot.extras.titles.delay = 0.2
    await asyncio.gather(bot.press(confirm_data(bot)), bot.press(confirm_data(bot)))
    assert len(bot.extras.titles.calls) == 2


async def test_two_people_checking_one_car_at_once_share_the_calls(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two users confirming the same car while its check is still running make one pair of
    calls, and both read the same answer."""
    # CarsXE answers only once both checks have reached the shared flight: they overlap however
    # slowly a loaded machine runs them (a fixed delay let the second arrive after the first).
    both_asking = asyncio.Event()
    askers: list[str] = []
    run = SingleFlight.run

    async def counted_run(flights: SingleFlight[str, Any], key: str, call: Any) -> Any:
        askers.append(key)
        if len(askers) == 2:  # the two users
            both_asking.set()
        return await run(flights, key, call)

    monkeypatch.setattr(SingleFlight, "run", counted_run)
    bot.extras.titles.hold = both_asking
    other = bot.services.callbacks.encode(CallbackAction.TITLE_CONFIRM, HONDA, owner=200)
    async with asyncio.timeout(60):  # a failure bound: both answer as soon as both ask
        await asyncio.gather(bot.press(confirm_data(bot)), bot.press(other, user_id=200))
    assert askers == [HONDA, HONDA]
    assert len(bot.extras.titles.calls) == 2
    answers = bot.request.sent("editMessageText")
    assert len(answers) == 2
    assert answers[0]["text"] == answers[1]["text"]


async def test_someone_elses_confirm_button_is_refused(bot: BotHarness) -> None:
    """In a group only the person who asked may confirm the spend."""
    await bot.send(f"/check {HONDA}", chat_id=-500, chat_type="group")
    offer = bot.request.sent()[-1]
    await bot.press(
        buttons(offer)[0]["callback_data"], user_id=200, chat_id=-500, chat_type="group"
    )
    assert bot.request.sent("answerCallbackQuery")[-1]["text"] == texts.not_your_check(
        words_in("en")
    )
    assert bot.extras.titles.calls == []


async def test_a_group_offer_says_whose_lookups_it_uses(bot: BotHarness) -> None:
    """In a group the offer names the asker instead of an ambiguous "your"."""
    await bot.send(f"/check {HONDA}", chat_id=-500, chat_type="group")
    offer = bot.request.sent()[-1]["text"]
    assert "uses 2 of the 7 paid lookups User100 can still make today" in offer
    assert "Nothing is spent until User100 presses it" in offer
    assert "your" not in offer


async def test_a_press_past_the_quota_says_nothing_was_spent(tmp_path: Path) -> None:
    """✅ with one lookup left runs nothing and says so truthfully, with no "free answer"."""
    async with make_bot(tmp_path, DAILY_LOOKUPS_PER_USER="1") as bot:
        await bot.press(confirm_data(bot))
        text = bot.request.sent("editMessageText")[-1]["text"]
        assert text.startswith("I didn't run the check: it needs 2 paid lookups")
        assert "Nothing was spent. Your quota resets" in text
        assert "free answer" not in text
        assert bot.extras.titles.calls == []


async def test_only_a_complete_answer_says_it_is_free_again(bot: BotHarness) -> None:
    """A complete answer says until when it is free; a partial one never claims to be kept."""
    await bot.press(confirm_data(bot))
    assert "shows this answer for free" in bot.request.sent("editMessageText")[-1]["text"]
    bot.extras.titles.history_error = ProviderUnavailable("carsxe", "502")
    other = bot.services.callbacks.encode(CallbackAction.TITLE_CONFIRM, CHEVY, owner=USER)
    await bot.press(other)
    partial = bot.request.sent("editMessageText")[-1]["text"]
    assert "for free" not in partial
    assert "Checking again uses 2 paid lookups again" in partial


async def test_too_few_lookups_left_gets_no_button(tmp_path: Path) -> None:
    """With one paid lookup left the offer says so and has no confirm button."""
    async with make_bot(tmp_path, DAILY_LOOKUPS_PER_USER="1") as bot:
        await bot.send(f"/check {HONDA}")
        offer = bot.request.sent()[-1]
        assert "you have 1 left today" in offer["text"]
        assert buttons(offer) == []


async def test_one_source_down_shows_the_other_and_is_not_cached(bot: BotHarness) -> None:
    """With /history down the theft part is shown, the gap is said, and nothing is cached."""
    bot.extras.titles.history_error = ProviderUnavailable("carsxe", "502")
    bot.extras.titles.thefts[HONDA] = LienTheftReport(events=(STOLEN_EVENT,))
    await bot.press(confirm_data(bot))
    text = bot.request.sent("editMessageText")[-1]["text"]
    assert "⛔" in text
    assert "NMVTIS title records couldn't be reached" in text
    assert "shows this answer for free" not in text
    await bot.send(f"/check {HONDA}")
    assert "paid lookups left today" in bot.replies()[-1]


async def test_garage_car_can_be_rechecked(bot: BotHarness) -> None:
    """/garage has a 🛡 row per US car that opens the offer (no automatic calls)."""
    await bot.press(bot.services.callbacks.encode(CallbackAction.SAVE, HONDA))
    await bot.send("/garage")
    rows = bot.request.sent()[-1]["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in rows[1]] == ["🛡 1. Check theft & title"]
    check = rows[1][0]
    await bot.press(check["callback_data"])
    assert "paid lookups left today" in bot.replies()[-1]
    assert bot.extras.titles.calls == []


async def test_free_bot_explains_the_check_needs_carsxe(tmp_path: Path) -> None:
    """Without a CarsXE key /check says why it cannot run."""
    async with make_bot(tmp_path, paid=False) as bot:
        await bot.send(f"/check {HONDA}")
        assert "no CarsXE key" in bot.replies()[-1]


async def test_a_free_bot_shows_no_check_button_in_the_garage(tmp_path: Path) -> None:
    """Without a CarsXE key the garage offers no 🛡 button that could only say "no key"."""
    async with make_bot(tmp_path, paid=False) as bot:
        await bot.press(bot.services.callbacks.encode(CallbackAction.SAVE, HONDA))
        await bot.send("/garage")
        assert not any("🛡" in b["text"] for b in buttons(bot.request.sent()[-1]))


def test_the_group_refusals_fit_an_alert_and_name_check() -> None:
    """The ✅ alert fits Telegram's 200 characters and /check needs a personal account."""
    assert len(texts.not_your_check(words_in("en"))) <= 200
    assert "/check" in account.PERSONAL_ACCOUNT_NEEDED
