"""History, garage, settings, quotas and privacy through the real handlers, on SQLite and on
PostgreSQL (the `bot` fixture takes `database_url`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, build_harness, harness_settings
from tests.integration.storage_support import rows_mentioning_user
from vinbot.formatters import account, privacy
from vinbot.handlers.context import BotContext
from vinbot.handlers.jobs import PRUNE_JOB, prune_history
from vinbot.i18n import words_in
from vinbot.models.callback import CallbackAction
from vinbot.models.vehicle import VehicleSpec

HONDA = "1HGCM82633A004352"
BMW = "WBAFR7C57CC811956"
MCI = "1M8GDM9AXKP042788"
USER = 100


@pytest.fixture
async def bot(tmp_path: Path, database_url: str) -> AsyncIterator[BotHarness]:
    carsxe = FakeProvider("carsxe", paid=True)
    nhtsa = FakeProvider("nhtsa")
    async with AsyncExitStack() as stack:
        settings = harness_settings(
            tmp_path, DAILY_LOOKUPS_PER_USER="2", ADMIN_IDS="7", DATABASE_URL=database_url
        )
        harness = await build_harness(settings, [carsxe, nhtsa], stack)
        async with harness.running():
            yield harness


def buttons(sent: dict[str, object]) -> list[dict[str, str]]:
    markup = sent["reply_markup"]
    assert isinstance(markup, dict)
    return [button for row in markup["inline_keyboard"] for button in row]


def message_in(bot: BotHarness, text: str, language_code: str) -> dict[str, object]:
    """A message from USER whose Telegram app is in that language."""
    message = bot.message(text)
    message["from"] = {**message["from"], "language_code": language_code}
    return message


def setting_button(bot: BotHarness, *args: str) -> dict[str, str]:
    """The button on the last /settings page whose payload is those arguments."""
    for button in buttons(bot.request.sent()[-1]):
        callback = bot.services.callbacks.decode(button["callback_data"])
        if callback is not None and callback.args == args:
            return button
    raise AssertionError(f"no settings button {args}")


async def flush(bot: BotHarness) -> None:
    await bot.services.privacy.export_user(0)  # flushes queued history writes


async def test_history_lists_newest_first_and_reopens_from_cache(bot: BotHarness) -> None:
    """/history shows the lookups newest first; its button re-opens without a provider call."""
    await bot.send(HONDA)
    await bot.send(BMW)
    await flush(bot)
    await bot.send("/history")
    page = bot.request.sent()[-1]
    assert page["text"].index(BMW) < page["text"].index(HONDA)
    calls_before = len(bot.providers[0].calls) + len(bot.providers[1].calls)
    await bot.press(buttons(page)[1]["callback_data"])
    assert HONDA in bot.replies()[-1]
    assert len(bot.providers[0].calls) + len(bot.providers[1].calls) == calls_before


async def test_history_holds_each_vin_once_up_to_the_cap(tmp_path: Path) -> None:
    """With HISTORY_MAX_PER_USER=2, /history lists a VIN decoded twice once, on top, and keeps
    only the two newest VINs."""
    async with AsyncExitStack() as stack:
        settings = harness_settings(tmp_path, HISTORY_MAX_PER_USER="2")
        bot = await build_harness(settings, [FakeProvider("nhtsa")], stack)
        await stack.enter_async_context(bot.running())
        for vin in (HONDA, BMW, MCI, BMW):
            await bot.send(vin)
        await flush(bot)
        await bot.send("/history")
    text = bot.replies()[-1]
    assert text.count(BMW) == 1
    assert text.index(BMW) < text.index(MCI)
    assert HONDA not in text


async def test_save_list_rename_and_remove_in_the_garage(bot: BotHarness) -> None:
    """Save puts a car in /garage, rename names it, Remove takes it out again."""
    await bot.send(HONDA)
    save = next(b for b in buttons(bot.request.sent()[-1]) if "Save" in b["text"])
    await bot.press(save["callback_data"])
    await bot.press(save["callback_data"])
    answers = [a.get("text", "") for a in bot.request.sent("answerCallbackQuery")]
    assert answers[-2].startswith("Saved to your garage")
    assert answers[-1] == "Already in your garage."
    await bot.send("/garage rename 1 Daily <driver>")
    assert bot.replies()[-1] == "Nickname saved."
    await bot.send("/garage")
    page = bot.request.sent()[-1]
    assert "Daily &lt;driver&gt;" in page["text"]
    assert "Honda Accord" in page["text"]
    remove = next(b for b in buttons(page) if "Remove" in b["text"])
    await bot.press(remove["callback_data"])
    assert "garage is empty" in bot.request.sent("editMessageText")[-1]["text"]


async def test_garage_limit_is_enforced(tmp_path: Path) -> None:
    """A user cannot save more cars than GARAGE_LIMIT and is told why."""
    async with AsyncExitStack() as stack:
        settings = harness_settings(tmp_path, GARAGE_LIMIT="1")
        bot = await build_harness(settings, [FakeProvider("nhtsa")], stack)
        await stack.enter_async_context(bot.running())
        codec = bot.services.callbacks
        await bot.press(codec.encode(CallbackAction.SAVE, HONDA))
        await bot.press(codec.encode(CallbackAction.SAVE, BMW))
    assert "garage is full" in bot.request.sent("answerCallbackQuery")[-1]["text"]


async def test_settings_switch_units_used_by_the_decode(bot: BotHarness) -> None:
    """Switching to imperial in /settings changes how economy is shown in decodes."""
    spec_provider = bot.providers[0]
    spec_provider.answers[HONDA] = VehicleSpec(
        vin=HONDA,
        source="carsxe",
        year=2003,
        make="Honda",
        model="Accord",
        attributes={"city_mpg": "20", "highway_mpg": "30"},
    )
    await bot.feed({"message": message_in(bot, HONDA, "de")})  # German: English words, metric units
    assert "L/100 km" in bot.replies()[-1]
    await bot.feed({"message": message_in(bot, "/settings", "de")})
    toggle = setting_button(bot, "units", "imperial")
    await bot.press(toggle["callback_data"])
    assert "imperial" in bot.request.sent("editMessageText")[-1]["text"]
    assert (await bot.services.user_settings.get(USER)).units == "imperial"
    await bot.feed({"message": message_in(bot, HONDA, "de")})
    assert "20 city / 30 hwy mpg" in bot.replies()[-1]


async def test_daily_quota_falls_back_to_free_answers_with_a_note(bot: BotHarness) -> None:
    """Past DAILY_LOOKUPS_PER_USER paid calls the user gets NHTSA's answer and the reset time."""
    carsxe, nhtsa = bot.providers
    for vin in (HONDA, BMW, MCI):
        await bot.send(vin)
    assert len(carsxe.calls) == 2
    assert nhtsa.calls == [MCI]
    assert "Your quota resets" in bot.replies()[-1]
    await bot.send(HONDA)
    assert "Source: CarsXE" in bot.replies()[-1]
    assert len(carsxe.calls) == 2


async def test_admins_are_exempt_and_stats_show_paid_calls(bot: BotHarness) -> None:
    """An admin is not held to the per-user quota, and /stats counts today's paid calls."""
    for vin in (HONDA, BMW, MCI):
        await bot.send(vin, user_id=7)
    assert len(bot.providers[0].calls) == 3
    await bot.send("/stats", user_id=7)
    assert "Paid calls today: 3" in bot.replies()[-1]


async def test_monthly_cap_notifies_admins_once(tmp_path: Path) -> None:
    """Reaching MONTHLY_PAID_CALLS sends the admins one message, then everyone gets free answers."""
    carsxe, nhtsa = FakeProvider("carsxe", paid=True), FakeProvider("nhtsa")
    async with AsyncExitStack() as stack:
        settings = harness_settings(tmp_path, MONTHLY_PAID_CALLS="2", ADMIN_IDS="7,8")
        bot = await build_harness(settings, [carsxe, nhtsa], stack)
        await stack.enter_async_context(bot.running())
        for user, vin in ((1, HONDA), (2, BMW), (3, MCI), (4, "JHMCM56557C404453")):
            await bot.send(vin, user_id=user)
    alerts = [s for s in bot.request.sent() if "cap reached" in s["text"]]
    assert sorted(int(a["chat_id"]) for a in alerts) == [7, 8]
    assert len(carsxe.calls) == 2
    assert len(nhtsa.calls) == 2


async def test_export_sends_everything_as_json(bot: BotHarness) -> None:
    """/export sends a JSON document holding the user's lookups and garage."""
    await bot.send(HONDA)
    await bot.press(bot.services.callbacks.encode(CallbackAction.SAVE, HONDA))
    await bot.send("/export")
    uploaded = bot.request.files("sendDocument")[-1]
    data = json.loads(next(iter(uploaded.values())))
    text = json.dumps(data)
    assert HONDA in text
    assert str(USER) in text


async def test_export_in_a_group_is_refused_and_sends_no_file(bot: BotHarness) -> None:
    """The data file would be posted for the whole group: the bot asks for a private chat."""
    await bot.send(HONDA)
    await bot.send("/export", chat_id=-100, chat_type="supergroup")

    assert bot.request.files("sendDocument") == []
    assert bot.replies()[-1] == privacy.export_private_only(words_in("en"))


async def test_forget_needs_confirmation_then_leaves_no_row(
    bot: BotHarness, database_url: str
) -> None:
    """/forget deletes nothing until confirmed, then no row with the user's id remains."""
    await bot.send(HONDA)
    await bot.press(bot.services.callbacks.encode(CallbackAction.SAVE, HONDA))
    await bot.send("/settings")
    await flush(bot)
    await bot.send("/forget")
    confirm = buttons(bot.request.sent()[-1])[0]["callback_data"]
    await bot.press(confirm, user_id=999)
    refusal = bot.request.sent("answerCallbackQuery")[-1]
    assert (refusal["text"], refusal["show_alert"]) == (account.NOT_YOUR_BUTTON, True)
    await bot.press(confirm)
    assert "deleted your history, garage and settings" in bot.replies()[-1]
    # Today's paid-call count stays until the day ends (usage_daily); nothing else may remain.
    assert set(await rows_mentioning_user(database_url, USER)) <= {"usage_daily.user_id"}


async def test_history_retention_job_is_scheduled_and_prunes(bot: BotHarness) -> None:
    """The daily prune job is registered and running it keeps recent lookups."""
    jobs = bot.application.job_queue.get_jobs_by_name(PRUNE_JOB)
    assert len(jobs) == 1
    await bot.send(HONDA)
    await flush(bot)
    await prune_history(BotContext(bot.application))
    assert len(await bot.services.lookup.recent(USER)) == 1


async def test_forget_then_a_restart_does_not_hand_out_a_fresh_daily_quota(tmp_path: Path) -> None:
    """A user past DAILY_LOOKUPS_PER_USER who confirms /forget still gets only the free answer
    after a restart (new services over the same database file)."""
    settings = harness_settings(tmp_path, DAILY_LOOKUPS_PER_USER="1")
    async with AsyncExitStack() as stack:
        bot = await build_harness(settings, [FakeProvider("carsxe", paid=True)], stack)
        await stack.enter_async_context(bot.running())
        await bot.send(HONDA)  # the day's one detailed lookup
        await bot.send("/forget")
        await bot.press(buttons(bot.request.sent()[-1])[0]["callback_data"])
        assert "is deleted" in bot.replies()[-1]

    carsxe = FakeProvider("carsxe", paid=True)
    async with AsyncExitStack() as stack:
        restarted = await build_harness(settings, [carsxe, FakeProvider("nhtsa")], stack)
        await stack.enter_async_context(restarted.running())
        await restarted.send(BMW)
    assert carsxe.calls == []
    assert "so this is the free answer" in restarted.replies()[-1]


async def test_the_daily_clean_up_runs_even_when_history_is_kept_forever(tmp_path: Path) -> None:
    """With HISTORY_DAYS=0 the daily job is still scheduled: it deletes the counts /forget kept."""
    async with AsyncExitStack() as stack:
        settings = harness_settings(tmp_path, HISTORY_DAYS="0")
        bot = await build_harness(settings, [FakeProvider("nhtsa")], stack)
        await stack.enter_async_context(bot.running())
        assert len(bot.application.job_queue.get_jobs_by_name(PRUNE_JOB)) == 1


async def test_garage_rename_with_a_superscript_number_is_answered_not_a_crash(
    bot: BotHarness,
) -> None:
    """Renaming car "²" (it passes isdigit() but not int()) gets the not-in-garage answer,
    not an internal error."""
    await bot.send(HONDA)
    await bot.press(bot.services.callbacks.encode(CallbackAction.SAVE, HONDA))
    await bot.send("/garage rename ² Daily")
    assert "isn't in your garage" in bot.replies()[-1]
