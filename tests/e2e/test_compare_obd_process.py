"""Compare and OBD codes: the real bot against fake Telegram and a fake CarsXE."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import World, buttons
from tests.fakes.carsxe_server import obd_unknown_code, specs_body
from tests.fakes.telegram.state import RecordedRequest

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
HONDA = "1HGCM82633A004352"
USER = 8101


def honda_body() -> dict[str, Any]:
    body = specs_body(HONDA)
    body["attributes"].update(
        year="2003",
        make="HONDA",
        model="Accord",
        trim="EX",
        engine="3.0L V6 SOHC 24V",
        transmission="5-Speed Automatic",
        drivetrain="FWD",
    )
    return body


async def next_call(world: World, method: str = "sendMessage") -> RecordedRequest:
    return await world.telegram.wait_for(method, lambda record: record.chat_id == USER)


async def test_compare_marks_the_differences_from_a_command_and_from_history(
    world: World,
) -> None:
    """/compare shows both cars with ≠ on what differs; ⚖️ in /history does it in 3 presses."""
    world.carsxe.specs[HONDA] = honda_body()
    await world.start_bot()
    world.telegram.send_text(USER, f"/compare {HONDA} {BMW}")
    text = (await next_call(world)).params["text"]
    assert "≠ <b>Year</b>\n    A: 2003\n    B: 2012" in text
    assert "≠ <b>Drivetrain</b>\n    A: FWD\n    B: RWD" in text
    assert "≠ differs: year, make, model, trim, engine, transmission, drivetrain" in text
    assert world.carsxe.count("/specs") == 2
    assert world.carsxe.count("/v1/recalls") == 0  # a compare spends nothing on recalls

    world.telegram.send_text(USER, "/history")
    page = await next_call(world)
    compare = next(b for b in buttons(page) if b["text"].startswith("⚖️"))
    world.telegram.press_button(USER, page, compare["callback_data"])
    picker = await next_call(world)
    first = next(b for b in buttons(picker) if "BMW" in b["text"])
    world.telegram.press_button(USER, picker, first["callback_data"])
    second = await next_call(world, "editMessageText")
    (other,) = buttons(second)
    world.telegram.press_button(USER, second, other["callback_data"])
    result = (await next_call(world, "editMessageText")).params["text"]
    assert "<b>A</b>: 2012 BMW 5-Series 535i" in result
    assert "<b>B</b>: 2003 Honda Accord EX" in result
    assert "≠ <b>Year</b>\n    A: 2012\n    B: 2003" in result
    assert world.carsxe.count("/specs") == 2  # both decodes came from the cache


async def test_obd_answers_caches_and_finds_codes_in_messages(world: World) -> None:
    """/obd P0420 is explained by CarsXE once, then from the cache; codes in text are found."""
    await world.start_bot()
    world.telegram.send_text(USER, "/obd p0420")
    first = (await next_call(world)).params["text"]
    assert "<b>P0420</b>: Catalyst System Efficiency Below Threshold (Bank 1)" in first
    world.telegram.send_text(USER, "/obd P0420")
    assert (await next_call(world)).params["text"] == first
    assert world.carsxe.count("/obdcodesdecoder") == 1

    world.telegram.send_text(USER, "check engine light P0301 since Monday")
    assert "Cylinder 1 Misfire Detected" in (await next_call(world)).params["text"]
    world.carsxe.obd_codes["P1299"] = obd_unknown_code("P1299", status=200)
    world.telegram.send_text(USER, "/obd P1299")
    assert "CarsXE doesn't know this code" in (await next_call(world)).params["text"]
    world.telegram.send_text(USER, "/obd P7420")
    assert "it can only be 0, 1, 2 or 3" in (await next_call(world)).params["text"]
    assert [
        call.params["code"] for call in world.carsxe.calls if call.path == "/obdcodesdecoder"
    ] == [
        "P0420",
        "P0301",
        "P1299",
    ]
