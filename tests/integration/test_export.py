"""/export: one per user per few minutes, under Telegram's 50 MB limit, never stalling the loop."""

from __future__ import annotations

import asyncio
import itertools
import json
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.fakes.providers import FakeProvider
from tests.integration.bot_harness import BotHarness, build_harness, harness_settings
from tests.integration.storage_support import insert_rows, opened, scalar
from vinbot.services import privacy
from vinbot.services.privacy import PrivacyService, lookup_json
from vinbot.storage.repositories import SqlUserDataRepository
from vinbot.storage.tables import LookupRow, UserRow

if TYPE_CHECKING:
    from pathlib import Path

    from vinbot.models.records import LookupRecord

USER = 100
START = datetime(2025, 1, 1, tzinfo=UTC)
TICK_SECONDS = 0.005
# A page is written between two ticks of the ticker, a few at most on a fast machine (a loaded
# one only slows the pages down); the whole history at once (as before) is 100,000.
MOST_PAGES_BETWEEN_TICKS = 10


async def add_history(url: str, user_id: int, count: int) -> None:
    """Store `count` distinct lookups for a user straight into the database, a minute apart."""
    if not await scalar(url, "SELECT count(*) FROM users WHERE id = :id", id=user_id):
        await insert_rows(url, UserRow, [{"id": user_id, "first_seen": START, "last_seen": START}])
    await insert_rows(
        url,
        LookupRow,
        [
            {
                "user_id": user_id,
                "vin": f"V{n:016d}",
                "provider": "nhtsa",
                "looked_up_at": START + timedelta(minutes=n),
                "year": 2003,
                "make": "HONDA",
                "model": "Accord",
            }
            for n in range(count)
        ],
    )


def exported(bot: BotHarness) -> dict[str, object]:
    """The JSON document of the last file the bot sent."""
    return json.loads(bot.request.files("sendDocument")[-1]["document"])  # type: ignore[no-any-return]


async def started(stack: AsyncExitStack, tmp_path: Path, database_url: str) -> BotHarness:
    # HISTORY_DAYS=0: the retention job (a minute after start) must not delete the 2025 rows
    # while an export on a slow machine is still reading them.
    settings = harness_settings(
        tmp_path, HISTORY_MAX_PER_USER="0", HISTORY_DAYS="0", DATABASE_URL=database_url
    )
    bot = await build_harness(settings, [FakeProvider("nhtsa")], stack)
    await stack.enter_async_context(bot.running())
    return bot


async def test_a_large_export_never_stalls_the_loop(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exporting 100,000 lookups gives the event loop back every few pages of lookups written
    (never the whole history in one go), and the file holds every lookup."""
    rows = 100_000
    written = 0

    def counted_lookup_json(lookup: LookupRecord) -> dict[str, object]:
        nonlocal written
        written += 1
        return lookup_json(lookup)

    monkeypatch.setattr(privacy, "lookup_json", counted_lookup_json)
    async with AsyncExitStack() as stack:
        bot = await started(stack, tmp_path, database_url)
        await add_history(database_url, USER, rows)
        seen: list[int] = []  # lookups written so far, at every tick
        done = asyncio.Event()

        async def ticker() -> None:
            # Counts, not clock readings: a loaded machine delays the ticks and the pages alike.
            # (A sleep(0) ticker would be exact but spins the loop, starving the database
            # thread of the GIL: the export then took minutes.)
            while not done.is_set():
                seen.append(written)
                await asyncio.sleep(TICK_SECONDS)

        ticking = asyncio.create_task(ticker())
        try:
            await bot.send("/export", user_id=USER)
        finally:
            done.set()
            await ticking

    most_between_ticks = max(after - before for before, after in itertools.pairwise(seen))
    assert 0 < most_between_ticks <= MOST_PAGES_BETWEEN_TICKS * privacy.EXPORT_PAGE_SIZE
    document = exported(bot)
    lookups = document["lookups"]
    assert isinstance(lookups, list)
    assert len(lookups) == rows
    assert lookups[0]["vin"] == f"V{rows - 1:016d}"  # newest first
    assert document["lookups_omitted"] == 0


async def test_one_export_per_user_per_few_minutes(tmp_path: Path, database_url: str) -> None:
    """A second /export right after the first is refused with when to try again; another
    user still gets theirs."""
    async with AsyncExitStack() as stack:
        bot = await started(stack, tmp_path, database_url)
        await bot.send("/export", user_id=USER)
        await bot.send("/export", user_id=USER)
        await bot.send("/export", user_id=USER + 1)

    assert len(bot.request.files("sendDocument")) == 2
    assert "another in 5 minutes" in bot.replies()[-1]


async def test_past_the_size_limit_the_newest_lookups_are_kept(database_url: str) -> None:
    """An export that would pass the size limit holds the newest lookups that fit, counts the
    others, stays valid JSON and never passes the limit."""
    url = database_url
    limit = 20_000
    async with opened(url) as database:
        await add_history(database_url, USER, 1000)
        privacy = PrivacyService(
            SqlUserDataRepository(database.sessions), max_export_bytes=limit, page_size=64
        )
        export = await privacy.export_file(USER)

    document = json.loads(export.data)
    assert len(export.data) <= limit
    assert 0 < export.lookups_included < 1000
    assert export.lookups_included + export.lookups_omitted == 1000
    assert document["lookups_omitted"] == export.lookups_omitted
    vins = [lookup["vin"] for lookup in document["lookups"]]
    assert vins == [f"V{n:016d}" for n in range(999, 999 - export.lookups_included, -1)]


async def test_an_export_asked_while_another_is_built_is_refused_not_queued(
    tmp_path: Path, database_url: str
) -> None:
    """While one export is being built, another user's /export is answered at once with "try
    again in a minute" (not left waiting), and may try again as soon as the first is done."""
    async with AsyncExitStack() as stack:
        bot = await started(stack, tmp_path, database_url)
        await add_history(database_url, USER, 20_000)
        first = asyncio.create_task(bot.send("/export", user_id=USER))
        while not bot.services.privacy.exporting:
            await asyncio.sleep(0)
        await bot.send("/export", user_id=USER + 1)
        refused_before_first_done = not first.done()
        await first
        await bot.send("/export", user_id=USER + 1)

    assert refused_before_first_done
    assert "again in a minute" in bot.replies()[-1]
    assert len(bot.request.files("sendDocument")) == 2


async def test_pages_split_between_lookups_made_at_the_same_moment_lose_none(
    database_url: str,
) -> None:
    """Lookups with the same time read two per page all reach the file, each once."""
    url = database_url
    async with opened(url) as database:
        await insert_rows(url, UserRow, [{"id": USER, "first_seen": START, "last_seen": START}])
        await insert_rows(
            url,
            LookupRow,
            [
                {"user_id": USER, "vin": f"V{n:016d}", "provider": "nhtsa", "looked_up_at": START}
                for n in range(5)
            ],
        )
        privacy = PrivacyService(SqlUserDataRepository(database.sessions), page_size=2)
        export = await privacy.export_file(USER)

    vins = [lookup["vin"] for lookup in json.loads(export.data)["lookups"]]
    assert vins == [f"V{n:016d}" for n in range(4, -1, -1)]
