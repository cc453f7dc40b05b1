"""Recalls, market value, VIN OCR, plates and inline mode: the real bot against the fakes."""

from __future__ import annotations

import base64
import json

import pytest

from tests.e2e.harness import World, buttons, in_chat
from tests.fakes.carsxe_server import Canned
from tests.fakes.telegram.state import RecordedRequest

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
HONDA = "1HGCM82633A004352"
USER = 8001


async def next_text(world: World, chat_id: int = USER) -> RecordedRequest:
    return await world.telegram.wait_for("sendMessage", in_chat(chat_id))


async def test_recalls_button_via_carsxe_then_nhtsa_fallback(world: World) -> None:
    """Recalls come from CarsXE by VIN; when CarsXE fails they come from NHTSA, said plainly."""
    await world.start_bot()
    world.telegram.send_text(USER, BMW)
    answer = await next_text(world)
    recalls = next(b for b in buttons(answer) if "Recalls" in b["text"])
    world.telegram.press_button(USER, answer, recalls["callback_data"])
    report = await next_text(world)
    assert "recall" in report.params["text"].lower()
    assert world.carsxe.count("/v1/recalls") == 1

    world.carsxe.recalls[HONDA] = Canned(503, {"success": False, "message": "unavailable"})
    world.telegram.send_text(USER, f"/recalls {HONDA}")
    fallback = await next_text(world)
    assert "NHTSA" in fallback.params["text"]
    assert world.nhtsa.count("/recalls/recallsByVehicle") >= 1


async def test_market_value_conversation_end_to_end(world: World) -> None:
    """/value walks mileage, state and condition, then shows CarsXE's ranges."""
    await world.start_bot()
    world.telegram.send_text(USER, f"/value {BMW}")
    assert "mileage" in (await next_text(world)).params["text"]
    world.telegram.send_text(USER, "85,000")
    state_question = await next_text(world)
    skip = buttons(state_question)[0]
    world.telegram.press_button(USER, state_question, skip["callback_data"])
    condition_question = await next_text(world)
    clean = next(b for b in buttons(condition_question) if b["text"] == "Clean")
    world.telegram.press_button(USER, condition_question, clean["callback_data"])
    value = await next_text(world)
    assert "Market value" in value.params["text"]
    assert "85,000 miles" in value.params["text"]
    (call,) = [c for c in world.carsxe.calls if c.path == "/v2/marketvalue"]
    assert call.params["mileage"] == "85000"
    assert call.params["condition"] == "clean"


async def test_photo_of_a_vin_is_read_from_bytes_not_a_url(world: World) -> None:
    """A photo is downloaded and sent to CarsXE OCR as base64 bytes, never as a file URL."""
    await world.start_bot()
    image = b"\xff\xd8\xff\xe0a-photo-of-a-vin-plate"
    world.carsxe.ocr[image] = {
        "success": True,
        "vin": BMW,
        "confidence": 0.97,
        "candidates": [{"vin": BMW, "confidence": 0.97}],
    }
    world.telegram.send_photo(USER, data=image)
    read = await next_text(world)
    assert BMW in read.params["text"]
    decode = await next_text(world)
    assert "2012 BMW 5-Series" in decode.params["text"]
    (upload,) = [c for c in world.carsxe.calls if c.path == "/v1/vinocr"]
    body = upload.body.decode()
    assert world.telegram.token not in body
    assert "/file/bot" not in body
    assert world.carsxe.ocr_images == [image]
    assert base64.b64encode(image).decode() in body


async def test_plate_lookup_end_to_end(world: World) -> None:
    """/plate returns the VIN from CarsXE's plate decoder and decodes it."""
    await world.start_bot()
    world.telegram.send_text(USER, "/plate 7ABC123 CA")
    found = await next_text(world)
    assert "belongs to VIN" in found.params["text"]
    decoded = await next_text(world)
    assert "VIN <code>" in decoded.params["text"]
    world.telegram.send_text(USER, "/plate 7ABC123 QQ")
    assert "/plate PLATE STATE" in (await next_text(world)).params["text"]


async def test_inline_query_answers_with_the_decode(world: World) -> None:
    """`@bot VIN` is answered with one article whose message is the decode summary."""
    await world.start_bot()
    world.telegram.inline_query(USER, BMW)
    answer = await world.telegram.wait_for("answerInlineQuery")
    results = answer.params["results"]
    (article,) = json.loads(results) if isinstance(results, str) else results
    assert article["title"] == "2012 BMW 5-Series 535i"
    assert "2012 BMW 5-Series" in article["input_message_content"]["message_text"]
