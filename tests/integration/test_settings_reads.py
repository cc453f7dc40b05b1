"""A user's settings are read from the database once per update, and a change is seen at once."""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager, AsyncExitStack
from typing import TYPE_CHECKING, Any

import pytest

from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, build_harness, harness_settings
from vinbot.models.callback import CallbackAction
from vinbot.models.records import UserSettings
from vinbot.services.settings import UserSettingsService
from vinbot.storage.repositories import SqlUserRepository

from .storage_support import StatementCounter, counting_statements, opened

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

USER = 100
HONDA = "1HGCM82633A004352"


def counting_settings_reads() -> AbstractContextManager[StatementCounter]:
    """Count the statements that read a user's settings row while the block runs."""
    return counting_statements("SELECT", "users.units")


@pytest.fixture
async def bot(tmp_path: Path, database_url: str) -> AsyncIterator[BotHarness]:
    async with AsyncExitStack() as stack:
        settings = harness_settings(tmp_path, DATABASE_URL=database_url)
        harness = await build_harness(settings, [FakeProvider("nhtsa")], stack)
        async with harness.running():
            yield harness


def _reads_per_update(database_url: str) -> int:
    """SQLite holds settings in memory (no read); PostgreSQL is asked once per update."""
    return 1 if database_url.startswith("postgresql") else 0


def _button(
    bot: BotHarness, action: CallbackAction, *args: str, method: str = "sendMessage"
) -> str:
    """The callback data of the last message's button for this action (and arguments)."""
    markup = bot.request.sent(method)[-1]["reply_markup"]
    for row in markup["inline_keyboard"]:
        for button in row:
            callback = bot.services.callbacks.decode(button["callback_data"])
            if (
                callback is not None
                and callback.action is action
                and callback.args[len(callback.args) - len(args) :] == args
            ):
                data: str = button["callback_data"]
                return data
    raise AssertionError(f"no {action.name} button {args}")


async def test_a_vin_message_reads_the_settings_once(bot: BotHarness, database_url: str) -> None:
    """A VIN sent as a message reads its sender's settings once for the words and the units."""
    with counting_settings_reads() as reads:
        await bot.send(HONDA)
    assert "Honda" in bot.replies()[-1]
    assert reads.count == _reads_per_update(database_url)


async def test_a_button_press_reads_the_settings_once(bot: BotHarness, database_url: str) -> None:
    """A decode button read by the router and then by its route reads the settings once."""
    await bot.send(HONDA)
    specs = _button(bot, CallbackAction.SPECS)
    with counting_settings_reads() as reads:
        await bot.press(specs)
    assert bot.request.sent("editMessageText")
    assert reads.count == _reads_per_update(database_url)


async def test_a_settings_change_is_read_once_and_drawn_as_changed(
    bot: BotHarness, database_url: str
) -> None:
    """Picking Ukrainian and then imperial units reads the settings once per press (and once
    more after the page's edit, for a change another instance made meanwhile), and each
    redrawn page shows what the press just chose."""
    per_press = 2 * _reads_per_update(database_url)
    await bot.send("/settings")
    with counting_settings_reads() as reads:
        await bot.press(_button(bot, CallbackAction.SETTINGS, "lang", "uk"))
    assert reads.count == per_press
    assert "Мова" in bot.request.sent("editMessageText")[-1]["text"]

    with counting_settings_reads() as reads:
        await bot.press(
            _button(bot, CallbackAction.SETTINGS, "units", "imperial", method="editMessageText")
        )
    assert reads.count == per_press
    page = bot.request.sent("editMessageText")[-1]
    assert "Мова" in page["text"]
    assert _button_pressed_again(bot, page) == ("units", "metric")
    stored = await bot.services.user_settings.get(USER)
    assert (stored.language, stored.units) == ("uk", "imperial")


def _button_pressed_again(bot: BotHarness, page: dict[str, Any]) -> tuple[str, ...]:
    """The units button a redrawn page offers next (the other choice than the stored one)."""
    for row in page["reply_markup"]["inline_keyboard"]:
        for button in row:
            callback = bot.services.callbacks.decode(button["callback_data"])
            if callback is not None and callback.args[-2:-1] == ("units",):
                return tuple(callback.args[-2:])
    raise AssertionError("no units button")


async def test_a_write_in_another_update_is_read_by_one_still_running(database_url: str) -> None:
    """An update that read the settings reads them again after another update here changed them."""
    async with opened(database_url) as database:
        service = UserSettingsService(SqlUserRepository(database.sessions))
        read_first = asyncio.Event()
        written = asyncio.Event()

        async def slow_update() -> tuple[UserSettings, UserSettings]:
            service.update_started(1)
            first = await service.get(USER)
            read_first.set()
            await written.wait()
            second = await service.get(USER)
            service.update_finished(1)
            return first, second

        async def writing_update() -> None:
            await read_first.wait()
            service.update_started(2)
            await service.set_units(USER, "imperial")
            service.update_finished(2)
            written.set()

        (first, second), _ = await asyncio.gather(slow_update(), writing_update())
    assert (first.units, second.units) == (None, "imperial")


async def test_a_fresh_read_sees_another_instances_write_the_memo_does_not(
    database_url: str,
) -> None:
    """Within one update the memo answers; a fresh read (the settings page after its edit) sees
    what another instance stored meanwhile (on SQLite one process owns the file: no memo)."""
    async with opened(database_url) as here_db, opened(database_url) as there_db:
        here = UserSettingsService(SqlUserRepository(here_db.sessions))
        there = UserSettingsService(SqlUserRepository(there_db.sessions))
        here.update_started(1)
        before = await here.get(USER)
        await there.set_units(USER, "imperial")
        memo, fresh = await here.get(USER), await here.get(USER, fresh=True)
        after = await here.get(USER)
        here.update_finished(1)
    assert (before.units, memo.units, fresh.units, after.units) == (
        None,
        None,
        "imperial",
        "imperial",
    )
