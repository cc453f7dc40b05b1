"""The theft and title check end to end: the real bot, fake Telegram and a fake CarsXE."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.e2e.harness import World
from tests.fakes.carsxe_server import history_body, lien_theft_body, stolen_event
from tests.fakes.telegram.state import RecordedRequest

pytestmark = pytest.mark.slow

HONDA = "1HGCM82633A004352"
DODGE = "2C3CDXFG1FH762860"
EUROPEAN = "WVWZZZ1KZAW123456"
USER = 8101
ENDPOINTS = ("/v1/lien-theft", "/history")


def buttons(record: RecordedRequest) -> list[dict[str, str]]:
    markup = record.response["result"].get("reply_markup", {"inline_keyboard": []})
    return [button for row in markup["inline_keyboard"] for button in row]


async def next_text(world: World) -> RecordedRequest:
    return await world.telegram.wait_for("sendMessage", lambda r: r.chat_id == USER)


def paid_calls(world: World) -> list[int]:
    return [world.carsxe.count(path) for path in ENDPOINTS]


async def offer_for(world: World, command: str) -> RecordedRequest:
    world.telegram.send_text(USER, command)
    offer = await next_text(world)
    assert re.search(r"uses 2 of your \d+ paid lookups left today", offer.params["text"])
    return offer


async def test_stolen_car_leads_with_the_theft_and_spends_only_on_the_press(world: World) -> None:
    """🛡 under a decode offers the cost; nothing is called until ✅; the theft comes first."""
    world.carsxe.lien_thefts[HONDA] = lien_theft_body(HONDA, stolen_event("OH"))
    world.carsxe.title_histories[HONDA] = history_body(
        brandsInformation=[{"BrandName": "SALVAGE", "State": "FL", "BrandDate": "2021-05-01"}]
    )
    await world.start_bot()
    world.telegram.send_text(USER, HONDA)
    decode = await next_text(world)
    shield = next(b for b in buttons(decode) if "Theft" in b["text"])
    world.telegram.press_button(USER, decode, shield["callback_data"])
    offer = await next_text(world)
    assert re.search(r"uses 2 of your \d+ paid lookups left today", offer.params["text"])
    await asyncio.sleep(0.5)
    assert paid_calls(world) == [0, 0]
    (confirm,) = buttons(offer)
    world.telegram.press_button(USER, offer, confirm["callback_data"])
    answer = await world.telegram.wait_for("editMessageText")
    text = answer.params["text"]
    first_line = text.split("\n")[1]
    assert first_line.startswith("⛔")
    assert "tell the police" in first_line
    assert text.index("⛔") < text.index("SALVAGE")
    assert paid_calls(world) == [1, 1]


async def test_clean_answer_never_says_clean(world: World) -> None:
    """With no lien, theft or title records the answer says so and never says "clean"."""
    await world.start_bot()
    offer = await offer_for(world, f"/check {DODGE}")
    world.telegram.press_button(USER, offer, buttons(offer)[0]["callback_data"])
    text = (await world.telegram.wait_for("editMessageText")).params["text"]
    assert "No theft, lien or export records found" in text
    assert "clean" not in text.lower()
    assert "titled outside the US" in text


async def test_non_us_vin_makes_no_call(world: World) -> None:
    """/check of a VIN built for Europe explains why and calls neither endpoint."""
    await world.start_bot()
    world.telegram.send_text(USER, f"/check {EUROPEAN}")
    reply = await next_text(world)
    assert "made for the US market" in reply.params["text"]
    assert buttons(reply) == []
    assert paid_calls(world) == [0, 0]


async def test_double_tap_makes_one_paid_check(world: World) -> None:
    """Two quick taps on ✅, and ✅ on two offers of the same car at once, make one call per
    endpoint."""
    await world.start_bot()
    offer = await offer_for(world, f"/check {HONDA}")
    second_offer = await offer_for(world, f"/check {HONDA}")
    world.carsxe.slow_next(2, seconds=0.5)
    data = buttons(offer)[0]["callback_data"]
    world.telegram.press_button(USER, offer, data)
    world.telegram.press_button(USER, offer, data)
    world.telegram.press_button(USER, second_offer, buttons(second_offer)[0]["callback_data"])
    for _ in range(3):
        await world.telegram.wait_for("answerCallbackQuery")
    for _ in range(2):
        await world.telegram.wait_for("editMessageText")
    await asyncio.sleep(0.5)
    assert paid_calls(world) == [1, 1]
