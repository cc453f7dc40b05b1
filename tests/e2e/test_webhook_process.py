"""`python -m vinbot` in webhook mode against the fake Bot API, which delivers like Telegram."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.test_unreadable_updates import message_this_ptb_cannot_read
from vinbot.formatters.recovery import UPDATE_NOT_PROCESSED
from vinbot.webhook import SECRET_HEADER

if TYPE_CHECKING:
    from tests.e2e.harness import BotProcess, World

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
HONDA = "1HGCM82633A004352"
USER = 6301
OTHER_USER = 6302
PUBLIC = "https://vinbot.example.test"
WEBHOOK_URL = f"{PUBLIC}/telegram"
SECRET = "webhook-secret_0123456789"
WEBHOOK = {"WEBHOOK_URL": WEBHOOK_URL, "WEBHOOK_SECRET_TOKEN": SECRET}


def texts_to(world: World, chat_id: int) -> list[str]:
    """Every text the bot got delivered to one chat, in order."""
    return [m.get("text", "") for m in world.telegram.sent_messages(chat_id)]


def log_events(bot: BotProcess, event: str) -> list[dict[str, Any]]:
    """The bot's JSON log lines for one event."""
    return [
        record
        for line in bot.logs().splitlines()
        if line.startswith("{") and (record := json.loads(line)).get("event") == event
    ]


async def start_webhook_bot(world: World, **env: str) -> BotProcess:
    """Start the bot in webhook mode, with the fake playing the proxy in front of it."""
    bot = await world.start_bot(**WEBHOOK, **env)
    world.telegram.route_webhook(PUBLIC, bot.health_url)
    return bot


async def test_a_decode_is_answered_in_webhook_mode(world: World) -> None:
    """setWebhook with the secret at start, the update POSTed to the route, the decode answered."""
    tg = world.telegram
    bot = await start_webhook_bot(world)
    (set_call,) = tg.calls("setWebhook")
    assert set_call.params["url"] == WEBHOOK_URL
    assert set_call.params["secret_token"] == SECRET
    assert set_call.params.get("drop_pending_updates") in {None, False}
    assert "message" in set_call.params["allowed_updates"]
    assert "callback_query" in set_call.params["allowed_updates"]

    tg.send_text(USER, BMW)
    (delivery,) = await tg.deliver_webhook()
    assert delivery.status == 200
    await tg.wait_for_message(USER, lambda m: BMW in m.get("text", ""))
    assert not tg.pending_updates
    assert tg.calls("getUpdates") == []
    assert tg.calls("deleteWebhook") == []

    health = (await bot.get("/health")).json()
    assert (health["status"], health["mode"]) == ("ok", "webhook")
    assert await bot.terminate() == 0
    # Kept for whichever instance serves it next; only polling mode deletes it.
    assert tg.api.webhook_url == WEBHOOK_URL
    assert SECRET not in bot.logs()


async def test_a_wrong_or_missing_secret_gets_403_and_nothing_is_processed(world: World) -> None:
    """A forged POST to the route is refused and never handled; the real delivery still works."""
    tg = world.telegram
    bot = await start_webhook_bot(world)
    forged = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "Mallory"},
            "text": HONDA,
        },
    }
    async with httpx.AsyncClient(timeout=5) as client:
        for headers in ({}, {SECRET_HEADER: "not-the-secret"}, {SECRET_HEADER: SECRET[:-1]}):
            response = await client.post(bot.health_url + "/telegram", json=forged, headers=headers)
            assert response.status_code == 403
    await asyncio.sleep(0.5)
    assert texts_to(world, USER) == []
    assert len(log_events(bot, "webhook_forbidden")) == 3

    # The fake delivers by itself from here, as Telegram does.
    tg.start_webhook_delivery()
    tg.send_text(USER, BMW)
    await tg.wait_for_message(USER, lambda m: BMW in m.get("text", ""))
    assert not any(HONDA in text for text in texts_to(world, USER))
    assert await bot.terminate() == 0


async def test_polling_mode_deletes_a_webhook_left_set(world: World) -> None:
    """A webhook left by webhook mode is deleted first, so polling works (no 409s)."""
    tg = world.telegram
    webhook_bot = await start_webhook_bot(world)
    assert await webhook_bot.terminate() == 0
    assert tg.api.webhook_url == WEBHOOK_URL

    bot = await world.start_bot()
    assert tg.api.webhook_url == ""
    assert log_events(bot, "webhook_deleted")
    (deleted, *_) = tg.calls("deleteWebhook")
    assert deleted.params.get("drop_pending_updates") in {None, False}
    tg.send_text(USER, BMW)
    await tg.wait_for_message(USER, lambda m: BMW in m.get("text", ""))
    conflicts = [r for r in tg.calls("getUpdates") if r.status == 409]
    assert conflicts == []
    assert await bot.terminate() == 0


async def test_kill_9_after_the_200_replays_the_update_once_after_restart(world: World) -> None:
    """Telegram forgets an update at the 200; after a kill -9 the journal still answers it once."""
    tg = world.telegram
    world.carsxe.slow_next(seconds=60)
    env = {"HTTP_TIMEOUT_SECONDS": "90", "DECODE_DEADLINE_SECONDS": "120"}
    bot = await start_webhook_bot(world, **env)
    update_id = tg.send_text(USER, BMW)
    (delivery,) = await tg.deliver_webhook()
    assert (delivery.update_id, delivery.status) == (update_id, 200)
    await tg.wait_until(lambda: world.carsxe.count("/specs") >= 1, 10, "a decode")
    assert not tg.pending_updates  # from here on only the bot can remember it
    bot.process.send_signal(signal.SIGKILL)
    await bot.process.wait()
    assert not any(BMW in text for text in texts_to(world, USER))

    restarted = await start_webhook_bot(world, **env)
    await tg.wait_for_message(USER, lambda m: BMW in m.get("text", ""))
    assert [event["update_id"] for event in log_events(restarted, "update_replayed")] == [update_id]
    tg.send_text(USER, HONDA)
    assert [d.status for d in await tg.deliver_webhook()] == [200]
    await tg.wait_for_message(USER, lambda m: HONDA in m.get("text", ""))
    assert await restarted.terminate() == 0
    assert sum(BMW in text for text in texts_to(world, USER)) == 1


async def test_an_update_ptb_cannot_read_is_acknowledged_and_apologised_for(
    world: World,
) -> None:
    """An unparseable update gets 200 (Telegram stops resending), its sender the apology."""
    tg = world.telegram
    bot = await start_webhook_bot(world)
    tg.add_update({"message": message_this_ptb_cannot_read(world, USER)})
    tg.send_text(OTHER_USER, HONDA)
    assert [d.status for d in await tg.deliver_webhook()] == [200, 200]
    await tg.wait_until(
        lambda: any("Honda" in text or "Accord" in text for text in texts_to(world, OTHER_USER)),
        what="the next user's decode",
    )
    await tg.wait_until(lambda: bool(texts_to(world, USER)), what="the apology")
    assert texts_to(world, USER) == [UPDATE_NOT_PROCESSED]
    assert [event["kind"] for event in log_events(bot, "update_unreadable")] == ["message"]
    assert await bot.terminate() == 0


async def test_a_webhook_url_telegram_refuses_stops_with_a_configuration_error(
    world: World,
) -> None:
    """setWebhook answered 400 ends the start with exit 2 and one line naming WEBHOOK_URL."""
    world.telegram.fail_always(
        "setWebhook", status=400, description="Bad Request: bad webhook: Failed to resolve host"
    )
    bot = await world.start_bot(wait=False, **WEBHOOK)
    async with asyncio.timeout(30):
        code = await bot.process.wait()
    assert code == 2
    assert "configuration error: WEBHOOK_URL was refused by Telegram" in bot.logs()
    assert "Traceback" not in bot.logs()
    assert SECRET not in bot.logs()


async def test_a_webhook_deleted_by_someone_else_turns_health_503(world: World) -> None:
    """The periodic getWebhookInfo notices the webhook is gone; set again, /health recovers."""
    tg = world.telegram
    bot = await start_webhook_bot(world, HEALTH_STALL_SECONDS="1")
    assert (await bot.get("/health")).status_code == 200
    tg.api.delete_webhook({}, {})  # what a copy started in polling mode does

    async def health_reason() -> str | None:
        body = (await bot.get("/health")).json()
        return body.get("reason")

    async with asyncio.timeout(60):
        while await health_reason() != "webhook deleted by someone else":
            await asyncio.sleep(0.2)
    assert len(log_events(bot, "webhook_lost")) == 1
    tg.api.set_webhook({"url": WEBHOOK_URL, "secret_token": SECRET}, {})
    async with asyncio.timeout(60):
        while (await bot.get("/health")).status_code != 200:
            await asyncio.sleep(0.2)
    assert await bot.terminate() == 0


async def test_sigterm_finishes_the_update_in_flight_and_refuses_new_ones(world: World) -> None:
    """On SIGTERM the route stops taking updates (Telegram keeps them), the one in flight is
    answered, the exit is clean, and the next start handles what was refused."""
    tg = world.telegram
    world.carsxe.slow_next(seconds=4)
    bot = await start_webhook_bot(world)
    tg.send_text(USER, BMW)
    assert [d.status for d in await tg.deliver_webhook()] == [200]
    await tg.wait_until(lambda: world.carsxe.count("/specs") >= 1, 10, "a decode")
    bot.process.send_signal(signal.SIGTERM)
    await tg.wait_until(lambda: log_events(bot, "shutting_down") != [], 10, "shutting down")
    honda_id = tg.send_text(OTHER_USER, HONDA)
    (refused,) = await tg.deliver_webhook()
    assert refused.status == 503  # the decode in flight keeps the process up for a while
    assert await bot.terminate() == 0
    assert sum(BMW in text for text in texts_to(world, USER)) == 1
    assert [update["update_id"] for update in tg.pending_updates] == [honda_id]

    restarted = await start_webhook_bot(world)
    assert [d.status for d in await tg.deliver_webhook()] == [200]
    await tg.wait_for_message(OTHER_USER, lambda m: HONDA in m.get("text", ""))
    assert await restarted.terminate() == 0
