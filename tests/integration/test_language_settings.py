"""/settings picks the language and units; units follow the language until picked; /privacy."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

import pytest

from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, build_harness, harness_settings
from vinbot.formatters.privacy import privacy_page
from vinbot.handlers.context import BotContext
from vinbot.handlers.language import words_for_user
from vinbot.i18n import LANGUAGES, words_in
from vinbot.models.callback import CallbackAction

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

USER = 100
FIRST_STRONG_ISOLATE = "\u2068"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with AsyncExitStack() as stack:
        settings = harness_settings(tmp_path, HISTORY_DAYS="30", GARAGE_LIMIT="5")
        harness = await build_harness(settings, [FakeProvider("nhtsa")], stack)
        async with harness.running():
            yield harness


def _settings_buttons(bot: BotHarness) -> dict[tuple[str, ...], str]:
    """The last /settings page's buttons: their payload arguments -> callback data."""
    markup = bot.request.sent()[-1]["reply_markup"]
    found = {}
    for row in markup["inline_keyboard"]:
        for button in row:
            callback = bot.services.callbacks.decode(button["callback_data"])
            assert callback is not None
            assert callback.action is CallbackAction.SETTINGS
            found[callback.args] = button["callback_data"]
    return found


async def test_the_language_picker_lists_every_language_by_its_own_name(bot: BotHarness) -> None:
    """/settings offers each of vinbot's languages, named in itself, and following Telegram."""
    await bot.send("/settings")
    labels = [
        b["text"] for row in bot.request.sent()[-1]["reply_markup"]["inline_keyboard"] for b in row
    ]
    for name in LANGUAGES.values():
        assert name in labels
    assert ("lang", "auto") in _settings_buttons(bot)
    assert "Language: English (as in Telegram)" in bot.replies()[-1]


async def test_picking_a_language_is_stored_and_the_next_reply_uses_it(bot: BotHarness) -> None:
    """Pressing العربية stores "ar"; the redrawn page and the next /settings reply are written
    with Arabic words (values wrapped in isolates), though Telegram says English."""
    await bot.send("/settings")
    await bot.press(_settings_buttons(bot)["lang", "ar"])

    assert (await bot.services.user_settings.get(USER)).language == "ar"
    words = await words_for_user(BotContext(bot.application), USER, "en")
    assert words.language == "ar"
    assert words.right_to_left
    assert FIRST_STRONG_ISOLATE in bot.request.sent("editMessageText")[-1]["text"]
    await bot.send("/settings")
    assert FIRST_STRONG_ISOLATE in bot.replies()[-1]

    await bot.press(_settings_buttons(bot)["lang", "auto"])
    assert (await bot.services.user_settings.get(USER)).language is None
    assert (await words_for_user(BotContext(bot.application), USER, "ru")).language == "ru"


async def test_picking_portuguese_survives_a_restart(tmp_path: Path) -> None:
    """The picked language is in the database: new services over the same file read it."""
    settings = harness_settings(tmp_path)
    async with AsyncExitStack() as stack:
        bot = await build_harness(settings, [FakeProvider("nhtsa")], stack)
        await stack.enter_async_context(bot.running())
        await bot.send("/settings")
        await bot.press(_settings_buttons(bot)["lang", "pt_BR"])
    async with AsyncExitStack() as stack:
        again = await build_harness(settings, [FakeProvider("nhtsa")], stack)
        await stack.enter_async_context(again.running())
        words = await words_for_user(BotContext(again.application), USER, "en")
    assert words.language == "pt_BR"


async def test_units_follow_the_language_until_picked(bot: BotHarness) -> None:
    """Not picked: imperial for English, metric for Russian or unknown; picked: always that."""
    lookup = bot.services.lookup
    assert await lookup.units_for(USER, "en") == "imperial"
    assert await lookup.units_for(USER, "en-US") == "imperial"
    assert await lookup.units_for(USER, "ru") == "metric"
    assert await lookup.units_for(USER) == "metric"
    await bot.send("/settings")  # the harness's users write with language_code "en"
    assert "Units: imperial (mpg, in, lb), usual for your language" in bot.replies()[-1]

    await bot.press(_settings_buttons(bot)["units", "metric"])
    assert await lookup.units_for(USER, "en") == "metric"
    assert "Units: metric (L/100 km, cm, kg)\n" in bot.request.sent("editMessageText")[-1]["text"]


async def test_a_change_made_elsewhere_while_redrawing_is_drawn(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another instance changes the settings while this one's edit is on its way: the page is
    drawn again, so the edit that lands last shows the latest settings."""
    await bot.send("/settings")
    send = bot.request.do_request

    async def other_instance_writes_during_the_edit(url: str, method: str, **rest: Any) -> Any:
        if url.endswith("/editMessageText"):
            await bot.services.user_settings.set_recall_alerts(USER, enabled=False)
        return await send(url, method, **rest)

    monkeypatch.setattr(bot.request, "do_request", other_instance_writes_during_the_edit)
    await bot.press(_settings_buttons(bot)["units", "metric"])

    last_edit = bot.request.sent("editMessageText")[-1]["text"]
    assert "Units: metric" in last_edit
    assert "Recall alerts for garage cars: off" in last_edit


async def test_a_picked_language_sets_the_usual_units(bot: BotHarness) -> None:
    """Someone whose Telegram is English but who picked Polish gets metric until they pick."""
    await bot.services.user_settings.set_language(USER, "pl")
    assert await bot.services.lookup.units_for(USER, "en") == "metric"


async def test_privacy_answers_with_the_policy(bot: BotHarness) -> None:
    """/privacy tells what is stored, how long (from the settings) and how /export and /forget
    work, in groups too."""
    await bot.send("/privacy")
    text = bot.replies()[-1]
    assert text == privacy_page(words_in("en"), history_days=30, history_max=1000, garage_limit=5)
    assert "<b>Privacy policy</b>" in text
    assert "deleted 30 days after" in text
    assert "/export" in text
    assert "/forget" in text
    await bot.send("/privacy", chat_id=-100, chat_type="supergroup")
    assert bot.replies()[-1] == text
