"""The real bot process against fake Telegram, CarsXE and NHTSA servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import signal
import socket

import httpx
import pytest

from tests.e2e.harness import World, free_port, in_chat
from tests.fakes.carsxe_server import not_found

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
HONDA = "1HGCM82633A004352"
USER = 5001


async def test_vin_round_trip_with_commands_menu_and_full_specs(world: World) -> None:
    """A VIN gets CarsXE's answer; the menu is set; Full specs expands the message in place."""
    bot = await world.start_bot()
    commands = await world.telegram.wait_for("setMyCommands")
    assert "vin" in str(commands.params["commands"])
    world.telegram.send_text(USER, f"what is {BMW}?")
    reply = await world.telegram.wait_for("sendMessage", in_chat(USER))
    text = reply.params["text"]
    assert "2012 BMW 5-Series 535i" in text
    assert "Source: CarsXE" in text
    assert world.carsxe.count("/specs") == 1
    keyboard = reply.response["result"]["reply_markup"]["inline_keyboard"]
    world.telegram.press_button(USER, reply, keyboard[0][0]["callback_data"])
    edit = await world.telegram.wait_for("editMessageText")
    assert "Full specs" in edit.params["text"]
    await world.telegram.wait_for("answerCallbackQuery")
    assert world.carsxe.count("/specs") == 1
    assert await bot.terminate() == 0


async def test_several_vins_invalid_vins_and_forged_buttons(world: World) -> None:
    """Two VINs get two answers, a mistyped VIN gets its reason, a forged button expires."""
    world.carsxe.specs[HONDA] = not_found()
    await world.start_bot()
    world.telegram.send_text(USER, f"{BMW} and {HONDA}")
    first = await world.telegram.wait_for("sendMessage", in_chat(USER))
    second = await world.telegram.wait_for("sendMessage", in_chat(USER))
    assert "2012 BMW 5-Series" in first.params["text"]
    assert "2003 Honda Accord" in second.params["text"]
    assert "Source: NHTSA" in second.params["text"]
    world.telegram.send_text(USER, "1HGCM82623A004352")
    invalid = await world.telegram.wait_for("sendMessage", in_chat(USER))
    assert "check digit" in invalid.params["text"].lower()
    world.telegram.press_button(USER, first, "1|s|WBAFR7C57CC811956|forgedxx", check=False)
    answer = await world.telegram.wait_for("answerCallbackQuery")
    assert answer.params["text"].startswith("This button has expired")


async def test_group_messages_need_a_mention(world: World) -> None:
    """In a group, plain chatter is ignored and a mention of the bot is answered."""
    await world.start_bot()
    group = -100500
    world.telegram.send_text(USER, f"my car {HONDA}", chat_id=group, chat_type="supergroup")
    world.telegram.send_text(
        USER, f"{HONDA} please", chat_id=group, chat_type="supergroup", mention_bot=True
    )
    reply = await world.telegram.wait_for("sendMessage", in_chat(group))
    assert "Honda" in reply.params["text"] or "BMW" in reply.params["text"]
    await asyncio.sleep(0.5)
    assert len(world.telegram.calls("sendMessage")) == 1


async def test_telegram_429_is_waited_out_and_the_reply_arrives(world: World) -> None:
    """A 429 from sendMessage is retried after retry_after and the user still gets the answer."""
    await world.start_bot()
    world.telegram.fail_next("sendMessage", status=429, retry_after=1)
    world.telegram.send_text(USER, BMW)
    reply = await world.telegram.wait_for("sendMessage", in_chat(USER))
    assert reply.status == 429
    delivered = await world.telegram.wait_for("sendMessage", in_chat(USER))
    assert delivered.status == 200
    assert "BMW" in delivered.params["text"]


async def test_updates_sent_while_down_are_answered_after_start(world: World) -> None:
    """A VIN sent before the bot started is answered once it polls."""
    world.telegram.send_text(USER, BMW)
    await world.start_bot()
    reply = await world.telegram.wait_for("sendMessage", in_chat(USER))
    assert "BMW" in reply.params["text"]


async def test_sigterm_exits_zero_and_health_goes_away(world: World) -> None:
    """/health is 200 while polling, and SIGTERM stops the bot with exit code 0."""
    bot = await world.start_bot()
    await world.telegram.wait_for("getUpdates")
    health = await bot.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert await bot.terminate(signal.SIGTERM) == 0
    with pytest.raises(httpx.HTTPError):
        await bot.get("/health")
    logs = bot.logs()
    assert "Task was destroyed" not in logs
    assert "Unclosed" not in logs
    assert world.telegram.token not in logs


async def test_telegram_unreachable_at_start_is_one_line_and_exit_1(world: World) -> None:
    """With the Bot API down at start the bot says so and exits 1, closing what it opened."""
    closed_port = free_port()
    bot = await world.start_bot(wait=False, TELEGRAM_BASE_URL=f"http://127.0.0.1:{closed_port}/bot")

    async with asyncio.timeout(30):
        code = await bot.process.wait()

    logs = bot.logs()
    assert code == 1
    assert "telegram_unreachable" in logs
    assert f"cannot connect to 127.0.0.1:{closed_port}" in logs
    assert "Unclosed" not in logs
    assert "Traceback" not in logs
    assert world.telegram.token not in logs


async def test_a_health_port_in_use_is_one_line_naming_port(world: World) -> None:
    """PORT taken by another program: exit 2 with one line, before Telegram is asked anything."""
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))  # all interfaces, as the health server binds
        taken.listen()
        port = taken.getsockname()[1]
        bot = await world.start_bot(wait=False, PORT=str(port))
        async with asyncio.timeout(30):
            code = await bot.process.wait()

    logs = bot.logs()
    assert code == 2
    assert f"PORT {port} cannot be used" in logs
    assert "Traceback" not in logs
    assert world.telegram.calls("getUpdates") == []


async def test_polling_that_cannot_start_stops_cleanly_with_exit_1(world: World) -> None:
    """Telegram failing while polling starts: the application is stopped before it shuts down."""
    world.telegram.fail_always("deleteWebhook", status=502)
    bot = await world.start_bot(wait=False)

    async with asyncio.timeout(60):
        code = await bot.process.wait()

    logs = bot.logs()
    assert code == 1
    assert "telegram_unreachable" in logs
    assert "still running" not in logs
    assert "Traceback" not in logs
    assert "Unclosed" not in logs


async def test_health_turns_503_when_get_updates_keeps_failing(world: World) -> None:
    """With getUpdates failing, /health becomes 503 once the stall threshold passes."""
    bot = await world.start_bot(HEALTH_STALL_SECONDS="2")
    world.telegram.fail_always("getUpdates", status=502)
    async with asyncio.timeout(60):
        while (await bot.get("/health")).status_code != 503:
            await asyncio.sleep(0.2)
    world.telegram.clear_failures()
    async with asyncio.timeout(60):
        while (await bot.get("/health")).status_code != 200:
            await asyncio.sleep(0.2)


async def test_conflict_turns_unhealthy_then_exits_non_zero(world: World) -> None:
    """Another poller (409) makes /health 503, and persisting it ends the process non-zero."""
    bot = await world.start_bot(CONFLICT_EXIT_SECONDS="2")
    world.telegram.fail_always("getUpdates", status=409)
    async with asyncio.timeout(60):
        while (await bot.get("/health")).status_code != 503:
            await asyncio.sleep(0.1)
    async with asyncio.timeout(60):
        code = await bot.process.wait()
    assert code == 3
    assert "polling_conflict" in bot.logs()


async def test_decode_photo_and_broken_image_fallback(world: World) -> None:
    """With photos on the answer is a photo; an image Telegram cannot fetch falls back to text."""
    await world.start_bot(VEHICLE_PHOTOS="1")
    world.telegram.send_text(USER, BMW)
    photo = await world.telegram.wait_for("sendPhoto", in_chat(USER))
    assert "2012 BMW 5-Series" in photo.params["caption"]
    assert world.carsxe.count("/images") == 1
    world.telegram.fail_photo_url(photo.params["photo"])
    world.telegram.send_text(USER + 1, BMW)
    text = await world.telegram.wait_for("sendMessage", in_chat(USER + 1))
    assert "2012 BMW 5-Series" in text.params["text"]
    assert world.carsxe.count("/images") == 1
