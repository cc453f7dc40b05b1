"""Command menus and descriptions per language, and the admins' own menu with /stats."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from telegram import Bot

from tests.fakes.telegram_server import FakeTelegram
from vinbot.formatters import menus
from vinbot.handlers.menus import publish_menus, telegram_language_code
from vinbot.i18n import LANGUAGES, words_in

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

TOKEN = "123456789:TEST-token-for-menu-tests-only-xyz"
ADMINS = frozenset({7, 8})
DEFAULT_SCOPE = json.dumps({"type": "default"})


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


def _chat_scope(chat_id: int) -> str:
    return json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True)


async def test_every_language_gets_its_menu_and_descriptions(bot: Bot, tg: FakeTelegram) -> None:
    """The default list is English, each other language has its own two-letter list, and the
    descriptions are set for each (all within Telegram's limits, checked by the fake)."""
    assert await publish_menus(bot, ADMINS) == 0

    codes = {telegram_language_code(language) for language in LANGUAGES}
    assert codes == {"", "ru", "uk", "es", "pt", "tr", "ar", "pl"}
    for code in codes:
        listed = [c["command"] for c in tg.api.commands[DEFAULT_SCOPE, code]]
        assert "privacy" in listed
        assert "stats" not in listed
        assert tg.api.descriptions["description", code]
        assert tg.api.descriptions["short_description", code]
    english = tg.api.commands[DEFAULT_SCOPE, ""]
    assert english[0] == {"command": "vin", "description": "Decode a VIN: /vin 1HGCM82633A004352"}
    assert len(tg.calls("setMyDescription")) == len(LANGUAGES)
    assert {r.params.get("language_code") for r in tg.calls("setMyShortDescription")} == (
        codes - {""}
    ) | {None}


async def test_only_admins_chats_list_stats(bot: Bot, tg: FakeTelegram) -> None:
    """Each admin's chat has a list with /stats in every language; nobody else's does."""
    await publish_menus(bot, ADMINS)

    scoped = {key for key in tg.api.commands if key[0] != DEFAULT_SCOPE}
    expected = {
        (_chat_scope(admin), telegram_language_code(language))
        for admin in ADMINS
        for language in LANGUAGES
    }
    assert scoped == expected
    for key in scoped:
        assert tg.api.commands[key][-1]["command"] == "stats"
    admin_menu = await bot.get_my_commands(scope={"type": "chat", "chat_id": 7})
    assert [c.command for c in admin_menu][-1] == "stats"


async def test_a_refused_menu_does_not_stop_the_rest(bot: Bot, tg: FakeTelegram) -> None:
    """A refused description is counted and logged; the other calls still happen."""
    tg.fail_next("setMyDescription", 400, description="Bad Request: something")
    assert await publish_menus(bot, ()) == 1
    assert len(tg.calls("setMyCommands")) == len(LANGUAGES)


async def test_an_unreachable_telegram_skips_the_rest(bot: Bot, tg: FakeTelegram) -> None:
    """Telegram failing with 502 gives up at once (the next start tries again), no crash."""
    tg.fail_always("setMyCommands", 502)
    assert await publish_menus(bot, ()) == 3 * len(LANGUAGES)
    assert len(tg.calls("setMyDescription")) == 0


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_menu_texts_fit_telegram_limits(language: str) -> None:
    """Every command description, description and short description fits its limit."""
    words = words_in(language)
    for command in menus.admin_commands(words):
        assert 1 <= len(command.description) <= menus.COMMAND_DESCRIPTION_LIMIT
    assert len(menus.description(words)) <= menus.DESCRIPTION_LIMIT
    assert len(menus.short_description(words)) <= menus.SHORT_DESCRIPTION_LIMIT
