"""/value drafts in the database (SQLite and PostgreSQL): a conversation started on one instance
finishes on another or after a restart; one valuation per draft; expired drafts are swept."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, running_bot
from vinbot.formatters import market_value as value_texts
from vinbot.handlers.market_value import SWEEP_JOB
from vinbot.i18n import words_in
from vinbot.models.records import ValueStep
from vinbot.services.value_drafts import ValueDraftService
from vinbot.storage.value_draft_repository import SqlValueDraftRepository

from .storage_support import FakeClock, execute, opened, scalar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

BMW = "WBAFR7C57CC811956"
USER = 100


@asynccontextmanager
async def instance(tmp_path: Path, url: str, name: str) -> AsyncIterator[BotHarness]:
    """One bot instance (its own Application, engine and fakes) on the shared database."""
    home = tmp_path / name
    home.mkdir(exist_ok=True)
    providers = [FakeProvider("carsxe", paid=True), FakeProvider("nhtsa")]
    async with running_bot(home, providers, DATABASE_URL=url) as bot:
        yield bot


def condition_button(bot: BotHarness, label: str) -> str:
    """The callback data of a condition button in the last message this instance sent."""
    markup: dict[str, Any] = bot.request.sent()[-1]["reply_markup"]
    return next(
        button["callback_data"]
        for row in markup["inline_keyboard"]
        for button in row
        if button["text"] == label
    )


async def test_a_value_started_on_one_instance_finishes_on_another(
    tmp_path: Path, database_url: str
) -> None:
    """/value and the mileage reach instance A; the state and the condition button reach B,
    which makes the valuation with A's answers."""
    async with (
        instance(tmp_path, database_url, "a") as first,
        instance(tmp_path, database_url, "b") as second,
    ):
        await first.send(f"/value {BMW}")
        await first.send("85k")
        assert "state" in first.replies()[-1]
        await second.send("CA")
        await second.press(condition_button(second, "Clean"))
        assert "Market value" in second.replies()[-1]
        assert second.extras.values.calls == [(BMW, 85_000, "CA", "clean")]
        assert first.extras.values.calls == []
    assert await scalar(database_url, "SELECT count(*) FROM value_drafts") == 0


async def test_a_value_survives_a_restart(tmp_path: Path, database_url: str) -> None:
    """A draft left by a stopped instance is answered by the next one (a deploy)."""
    async with instance(tmp_path, database_url, "old") as old:
        await old.send(f"/value {BMW}")
    async with instance(tmp_path, database_url, "new") as new:
        await new.send("90000")
        assert "state" in new.replies()[-1]
        await new.send("TX")
        await new.press(condition_button(new, "Skip"))
        assert new.extras.values.calls == [(BMW, 90_000, "TX", None)]


async def test_two_taps_on_two_instances_make_one_valuation(
    tmp_path: Path, database_url: str
) -> None:
    """The condition pressed on both instances at once: the draft is taken once, one call."""
    async with (
        instance(tmp_path, database_url, "a") as first,
        instance(tmp_path, database_url, "b") as second,
    ):
        await first.send(f"/value {BMW}")
        await first.send("85k")
        await first.send("CA")
        data = condition_button(first, "Clean")
        await asyncio.gather(first.press(data), second.press(data))
        assert len(first.extras.values.calls) + len(second.extras.values.calls) == 1


async def test_an_expired_draft_is_swept_and_its_chat_told_once(
    tmp_path: Path, database_url: str
) -> None:
    """The sweep takes a draft nobody answered, says it timed out, and the next text is not
    read as an answer any more."""
    async with instance(tmp_path, database_url, "a") as bot:
        await bot.send(f"/value {BMW}")
        await execute(database_url, "UPDATE value_drafts SET expires_at = '2001-01-01 00:00:00'")
        queue = bot.application.job_queue
        assert queue is not None
        (job,) = queue.get_jobs_by_name(SWEEP_JOB)
        await job.run(bot.application)
        timed_out = value_texts.timed_out(words_in("en"))
        assert bot.replies()[-1] != timed_out  # expired long ago (a bot down for days): silent
        await bot.send(f"/value {BMW}")
        await execute(
            database_url,
            "UPDATE value_drafts SET expires_at = updated_at",  # expired just now
        )
        await job.run(bot.application)
        await job.run(bot.application)
        assert bot.replies().count(timed_out) == 1
        await bot.send("85k")
        assert bot.extras.values.calls == []
        assert "state" not in bot.replies()[-1]


async def test_drafts_expire_and_are_taken_once(database_url: str) -> None:
    """An unanswered draft is gone after the timeout; a sweep returns it once; answers move it."""
    clock = FakeClock()
    async with opened(database_url) as database:
        drafts = ValueDraftService(SqlValueDraftRepository(database.sessions), now=clock)
        draft = await drafts.start(USER, USER, BMW)
        clock.advance(minutes=4)
        moved = await drafts.answered_mileage(draft, 85_000)
        clock.advance(minutes=4)  # eight minutes after the start, four after the last answer
        current = await drafts.current(USER, USER)
        assert current == moved
        assert (current.step, current.mileage) == (ValueStep.STATE, 85_000)
        clock.advance(minutes=2)
        assert await drafts.current(USER, USER) is None
        assert await drafts.take(USER, USER) is None
        await drafts.start(USER, -5, BMW)
        clock.advance(minutes=6)
        assert [d.chat_id for d in await drafts.sweep()] == [-5]
        assert await drafts.sweep() == []


async def test_a_loaded_service_finds_the_drafts_the_last_run_left(database_url: str) -> None:
    """`load` reads every stored (user, chat), so a restarted single process still finds them."""
    clock = FakeClock()
    async with opened(database_url) as database:
        repository = SqlValueDraftRepository(database.sessions)
        await ValueDraftService(repository, now=clock).start(USER, -7, BMW)
        restarted = ValueDraftService(repository, now=clock)
        await restarted.load()
        assert await repository.keys() == [(USER, -7)]
        found = await restarted.current(USER, -7)
        assert found is not None
        assert found.vin == BMW
        assert await restarted.current(USER, USER) is None
