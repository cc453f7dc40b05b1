"""The recall-alert job through the real Application: scheduling, the message, a blocked user."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

import pytest
from telegram.request import RequestData

from tests.fakes.beyond import nhtsa_report, recall
from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, build_harness, harness_settings
from vinbot.formatters.recall_alerts import render_recall_alert
from vinbot.handlers.context import BotContext
from vinbot.handlers.recall_alerts import RECALL_ALERT_JOB, check_recalls
from vinbot.i18n import words_in
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import ProviderUnavailable
from vinbot.models.recalls import Recall
from vinbot.services.recall_alerts import RecallAlert
from vinbot.storage.recall_alert_repository import SqlRecallAlertRepository

from .storage_support import opened

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

HONDA = "1HGCM82633A004352"
USER = 100
OTHER_USER = 200
ACCORD = ("Honda", "Accord", 2003)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with AsyncExitStack() as stack:
        settings = harness_settings(tmp_path)
        harness = await build_harness(settings, [FakeProvider("nhtsa")], stack)
        async with harness.application:
            await harness.application.start()
            try:
                yield harness
            finally:
                await harness.application.stop()


async def seed_yesterdays_check(bot: BotHarness, *campaigns: str) -> None:
    """Store a check made a day ago that saw these campaigns (the VIN's baseline)."""
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    async with opened(bot.services.settings.database_url) as database:
        await SqlRecallAlertRepository(database.sessions).record_check(HONDA, campaigns, yesterday)


def forbid_chat(bot: BotHarness, chat_id: int) -> None:
    """Make Telegram answer 403 "blocked by the user" to messages for one chat."""
    request = bot.request
    answer = request.do_request

    async def do_request(
        url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        params = request_data.parameters if request_data is not None else {}
        if url.endswith("/sendMessage") and int(params.get("chat_id", 0)) == chat_id:
            body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
            return 403, json.dumps(body).encode()
        return await answer(url, method, request_data, **timeouts)

    request.do_request = do_request


async def test_the_job_is_scheduled_every_interval(tmp_path: Path) -> None:
    """RECALL_CHECK_INTERVAL_HOURS sets the repeat; 0 schedules no recall job at all."""
    async with AsyncExitStack() as stack:
        for hours, expected in (("6", [dt.timedelta(hours=6)]), ("0", [])):
            settings = harness_settings(tmp_path / hours, RECALL_CHECK_INTERVAL_HOURS=hours)
            harness = await build_harness(settings, [FakeProvider("nhtsa")], stack)
            assert harness.application.job_queue is not None
            jobs = harness.application.job_queue.get_jobs_by_name(RECALL_ALERT_JOB)
            assert [job.job.trigger.interval for job in jobs] == expected


async def test_the_first_check_waits_at_most_one_short_interval(tmp_path: Path) -> None:
    """An interval shorter than five minutes (36 s here) also sets when the first check runs."""
    settings = harness_settings(tmp_path, RECALL_CHECK_INTERVAL_HOURS="0.01")
    async with AsyncExitStack() as stack:
        before = dt.datetime.now(dt.UTC)
        harness = await build_harness(settings, [FakeProvider("nhtsa")], stack)
        after = dt.datetime.now(dt.UTC)
        assert harness.application.job_queue is not None
        (job,) = harness.application.job_queue.get_jobs_by_name(RECALL_ALERT_JOB)
        first = job.job.trigger.start_date
        assert before + dt.timedelta(seconds=36) <= first <= after + dt.timedelta(seconds=36)


async def test_a_new_campaign_reaches_the_owner_with_a_see_recalls_button(
    bot: BotHarness,
) -> None:
    """The job sends one escaped message per new campaign whose button opens the VIN's recalls."""
    await bot.services.garage.add(USER, HONDA, "Blue <car>")
    await seed_yesterdays_check(bot, "20V001000")
    bot.extras.model_recalls.reports[ACCORD] = nhtsa_report(
        *ACCORD,
        recall("20V001000"),
        recall("24V100000", do_not_drive=True, date=dt.date(2024, 5, 1)),
    )

    await check_recalls(BotContext(bot.application))
    await check_recalls(BotContext(bot.application))

    (sent,) = bot.request.sent()
    assert int(sent["chat_id"]) == USER
    assert sent["parse_mode"] == "HTML"
    assert "New recall for your Blue &lt;car&gt;" in sent["text"]
    assert "24V100000" in sent["text"]
    assert "May 1, 2024" in sent["text"]
    assert "DO NOT DRIVE" in sent["text"]
    assert "20V001000" not in sent["text"]
    markup = sent["reply_markup"]
    (button,) = [b for row in markup["inline_keyboard"] for b in row]
    assert button["text"] == "🔔 See recalls"
    callback = bot.services.callbacks.decode(button["callback_data"])
    assert callback is not None
    assert (callback.action, callback.payload) == (CallbackAction.RECALLS, HONDA)
    await bot.press(button["callback_data"], user_id=USER, message_text=sent["text"])
    assert "24V100000" in bot.replies()[-1]


async def test_a_user_who_blocked_the_bot_is_marked_blocked(bot: BotHarness) -> None:
    """Telegram's 403 marks that user blocked and records no alert; other owners still get it."""
    await bot.services.garage.add(USER, HONDA)
    await bot.services.garage.add(OTHER_USER, HONDA)
    await seed_yesterdays_check(bot)
    bot.extras.model_recalls.reports[ACCORD] = nhtsa_report(*ACCORD, recall("24V100000"))
    forbid_chat(bot, USER)

    await check_recalls(BotContext(bot.application))

    assert [int(sent["chat_id"]) for sent in bot.request.sent()] == [OTHER_USER]
    blocked = await bot.services.privacy.export_user(USER)
    assert blocked["recall_notifications"] == []
    profile = blocked["profile"]
    assert isinstance(profile, dict)
    assert profile["blocked_at"] is not None
    told = await bot.services.privacy.export_user(OTHER_USER)
    notices = told["recall_notifications"]
    assert isinstance(notices, list)
    assert [(n["vin"], n["campaign_id"]) for n in notices] == [(HONDA, "24V100000")]


async def test_a_failed_upstream_check_sends_nothing(bot: BotHarness) -> None:
    """When NHTSA cannot answer, the job sends no message (and says nothing about "no recalls")."""
    await bot.services.garage.add(USER, HONDA)
    await seed_yesterdays_check(bot)
    bot.extras.model_recalls.error = ProviderUnavailable("nhtsa", "timeout")

    await check_recalls(BotContext(bot.application))

    assert bot.request.sent() == []


def test_the_alert_text_escapes_everything_and_falls_back_to_the_vehicle() -> None:
    """Without a nickname the car is named by the report's vehicle; API text is escaped."""
    alert = RecallAlert(
        user_id=USER,
        vin=HONDA,
        nickname=None,
        recall=Recall(
            campaign_id="24V100000",
            component="FUEL <SYSTEM>",
            summary="Leak & <b>fire</b> risk",
            park_outside=True,
        ),
        year=2003,
        make="Honda",
        model="Accord",
    )
    text = render_recall_alert(words_in("en"), alert)
    assert "New recall for your 2003 Honda Accord" in text
    assert "FUEL &lt;SYSTEM&gt;" in text
    assert "Leak &amp; &lt;b&gt;fire&lt;/b&gt; risk" in text
    assert "Park outside" in text


async def test_each_owner_gets_the_alert_in_their_own_language(bot: BotHarness) -> None:
    """Two owners of one car get the alert in their own Telegram languages (dates show it)."""
    await bot.services.garage.add(USER, HONDA)
    await bot.services.garage.add(OTHER_USER, HONDA)
    await bot.services.user_settings.touch_user(USER, "ru")
    await bot.services.user_settings.touch_user(OTHER_USER, "en-US")
    await seed_yesterdays_check(bot)
    bot.extras.model_recalls.reports[ACCORD] = nhtsa_report(
        *ACCORD, recall("24V100000", date=dt.date(2024, 5, 1))
    )

    await check_recalls(BotContext(bot.application))

    texts = {int(sent["chat_id"]): sent["text"] for sent in bot.request.sent()}
    assert texts.keys() == {USER, OTHER_USER}
    assert words_in("ru").date(dt.date(2024, 5, 1)) in texts[USER]
    assert "May 1, 2024" not in texts[USER]
    assert "May 1, 2024" in texts[OTHER_USER]
