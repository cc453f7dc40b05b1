"""State across restarts of the real bot process: history, garage, and a kill -9 mid-burst."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.harness import World, buttons, in_chat
from tests.integration.storage_support import scalar
from tests.postgres_server import PostgresServer, fresh_postgres_database
from vinbot.models.vin import check_digit
from vinbot.storage.migrate import current_revision, head_revision

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
USER = 6001


def honda_vin(serial: int) -> str:
    """A valid Honda VIN with a given serial number."""
    body = f"1HGCM826?3A{serial:06d}"
    return body.replace("?", check_digit(body.replace("?", "0")))


def send_burst(world: World) -> list[str]:
    """120 distinct VINs from 30 users, all at once; returns the VINs."""
    vins = [honda_vin(serial) for serial in range(1, 121)]
    for index, vin in enumerate(vins):
        world.telegram.send_text(7000 + index % 30, vin)
    return vins


def answered_lookups(world: World, vins: list[str]) -> set[tuple[int, str]]:
    """(user, VIN) for every decode reply Telegram accepted."""
    return {
        (int(r.params["chat_id"]), vin)
        for r in world.telegram.calls("sendMessage")
        if r.ok
        for vin in vins
        if vin in r.params["text"]
    }


async def test_history_and_garage_survive_a_restart(world: World) -> None:
    """A saved car and past lookups are still there after the bot restarts on the same file."""
    bot = await world.start_bot()
    world.telegram.send_text(USER, BMW)
    answer = await world.telegram.wait_for("sendMessage", in_chat(USER))
    save = next(b for b in buttons(answer) if "Save" in b["text"])
    world.telegram.press_button(USER, answer, save["callback_data"])
    saved = await world.telegram.wait_for("answerCallbackQuery")
    assert saved.params["text"].startswith("Saved")
    assert await bot.terminate() == 0

    await world.start_bot()
    world.telegram.send_text(USER, "/garage")
    garage = await world.telegram.wait_for("sendMessage", in_chat(USER))
    assert BMW in garage.params["text"]
    assert "BMW 5-Series" in garage.params["text"]
    world.telegram.send_text(USER, "/history")
    history = await world.telegram.wait_for("sendMessage", in_chat(USER))
    assert BMW in history.params["text"]


async def test_export_arrives_as_a_json_file(world: World) -> None:
    """/export uploads the user's data as a JSON document (a multipart upload to the Bot API)."""
    await world.start_bot()
    world.telegram.send_text(USER, BMW)
    await world.telegram.wait_for("sendMessage", in_chat(USER))
    world.telegram.send_text(USER, "/export")

    sent = await world.telegram.wait_for("sendDocument", in_chat(USER))

    (upload,) = sent.files.values()
    assert upload.filename == f"vinbot-data-{USER}.json"
    exported = json.loads(upload.data)
    assert BMW in json.dumps(exported)
    assert sent.ok


async def test_kill_9_mid_burst_keeps_every_answered_lookup(world: World, tmp_path: Path) -> None:
    """After SIGKILL in a burst, the database is intact and holds every lookup already answered."""
    bot = await world.start_bot(USER_DECODES_PER_MINUTE="0", DAILY_LOOKUPS_PER_USER="0")
    vins = send_burst(world)
    async with asyncio.timeout(30):
        while len(world.telegram.calls("sendMessage")) < 40:
            await asyncio.sleep(0.01)
    bot.process.send_signal(signal.SIGKILL)
    await bot.process.wait()
    answered = answered_lookups(world, vins)
    assert len(answered) >= 40

    restarted = await world.start_bot()
    assert await restarted.terminate() == 0
    with closing(sqlite3.connect(tmp_path / "vinbot.db")) as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        stored = set(db.execute("select user_id, vin from lookups").fetchall())
    assert answered <= stored


async def test_no_lookup_is_answered_before_it_is_written(world: World, tmp_path: Path) -> None:
    """With the database's write lock held mid-burst, no further reply goes out; kill -9 then
    loses nothing the user saw (a reply that did not wait for its commit would be lost)."""
    # No rate limiter (replies would queue behind it, long after their commits) and decodes
    # spread over ~4 s: 8 at a time, 0.25 s each.
    world.carsxe.latency = 0.25
    bot = await world.start_bot(
        USER_DECODES_PER_MINUTE="0",
        DAILY_LOOKUPS_PER_USER="0",
        TELEGRAM_MAX_RATE="0",
        CONCURRENT_UPDATES="8",
    )
    vins = send_burst(world)
    async with asyncio.timeout(30):
        while len(world.telegram.calls("sendMessage")) < 20:
            await asyncio.sleep(0.01)
    blocker = await asyncio.to_thread(_hold_write_lock, tmp_path / "vinbot.db")
    try:
        held_at = len(world.telegram.calls("sendMessage"))
        await asyncio.sleep(1.5)  # ~48 decodes finish meanwhile; none can be committed
        # Only replies already past their commit when the lock was taken: one per handler.
        assert len(world.telegram.calls("sendMessage")) <= held_at + 8
        bot.process.send_signal(signal.SIGKILL)
        await bot.process.wait()
    finally:
        await asyncio.to_thread(blocker.close)
    answered = answered_lookups(world, vins)

    with closing(sqlite3.connect(tmp_path / "vinbot.db")) as db:
        stored = set(db.execute("select user_id, vin from lookups").fetchall())
    assert answered <= stored


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    """A connection holding SQLite's write lock until it is closed (writers then wait)."""
    connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN IMMEDIATE")
    return connection


async def test_the_bot_runs_on_postgresql_across_a_restart(
    world: World, postgres_server: PostgresServer
) -> None:
    """With DATABASE_URL=postgresql+asyncpg the bot migrates at start, keeps a saved car and the
    history across a restart, exports, and never logs the password."""
    async with fresh_postgres_database(postgres_server) as url:
        bot = await world.start_bot(DATABASE_URL=url)
        world.telegram.send_text(USER, BMW)
        answer = await world.telegram.wait_for("sendMessage", in_chat(USER))
        save = next(b for b in buttons(answer) if "Save" in b["text"])
        world.telegram.press_button(USER, answer, save["callback_data"])
        saved = await world.telegram.wait_for("answerCallbackQuery")
        assert saved.params["text"].startswith("Saved")
        assert await bot.terminate() == 0

        again = await world.start_bot(DATABASE_URL=url)
        world.telegram.send_text(USER, "/garage")
        garage = await world.telegram.wait_for("sendMessage", in_chat(USER))
        assert BMW in garage.params["text"]
        world.telegram.send_text(USER, "/export")
        sent = await world.telegram.wait_for("sendDocument", in_chat(USER))
        (upload,) = sent.files.values()
        assert BMW in upload.data.decode()
        assert await again.terminate() == 0
        assert await current_revision(url) == head_revision()
        assert await scalar(url, "SELECT count(*) FROM lookups WHERE user_id = :u", u=USER) == 1

    logs = bot.logs() + again.logs()
    assert '"dialect": "postgresql"' in logs
    assert postgres_server.password not in logs
