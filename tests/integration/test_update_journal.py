"""The in-flight update journal over a real SQLite file: batch writes, clears, attempts, polling."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from structlog.testing import capture_logs
from telegram import Bot

from tests.fakes.telegram_server import FakeTelegram
from vinbot.health import HealthState
from vinbot.journal import RESUME_WITHIN, UpdateJournal
from vinbot.polling import PollingProbeRequest
from vinbot.storage.migrate import migrate
from vinbot.storage.update_journal import SqlJournalStore
from vinbot.telegram_request import AiohttpRequest

from .storage_support import FakeClock, column

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Collection, Sequence
    from datetime import datetime

    from vinbot.storage.update_journal import JournaledUpdate, JournalMark

GIVE_UP = 10.0
HERE = "host-a:8080"


class SpyStore:
    """The real store, counting writes; a write can be held until the test lets it go."""

    def __init__(self, url: str, holder: str = HERE) -> None:
        self._store = SqlJournalStore(url, holder)
        self.writes: list[tuple[list[int], set[int]]] = []
        self.release = threading.Event()
        self.release.set()

    def write(
        self, fetched: Sequence[tuple[int, str]], handled: Collection[int], now: datetime
    ) -> None:
        """Wait to be released, then write and count."""
        self.release.wait(GIVE_UP)
        self._store.write(fetched, handled, now)
        self.writes.append(([update_id for update_id, _ in fetched], set(handled)))

    def unfinished(self) -> list[JournaledUpdate]:
        """As the real store."""
        return self._store.unfinished()

    def mark(self) -> JournalMark | None:
        """As the real store."""
        return self._store.mark()

    def other_holders(self) -> list[str | None]:
        """As the real store."""
        return self._store.other_holders()

    def adopt(self, holder: str | None) -> list[JournaledUpdate]:
        """As the real store."""
        return self._store.adopt(holder)

    def begin_replay(self, update_ids: Collection[int], *, alone: bool) -> None:
        """As the real store."""
        self._store.begin_replay(update_ids, alone=alone)

    def drop(self, update_ids: Collection[int]) -> None:
        """As the real store."""
        self._store.drop(update_ids)

    def close(self) -> None:
        """As the real store."""
        self._store.close()


@pytest.fixture
async def url(database_url: str) -> str:
    """A migrated database, SQLite or PostgreSQL: the journal runs on either."""
    await migrate(database_url)
    return database_url


@pytest.fixture
async def store(url: str) -> SpyStore:
    return SpyStore(url)


@pytest.fixture
async def journal(store: SpyStore) -> AsyncIterator[UpdateJournal]:
    journal = UpdateJournal(store, linger_seconds=60)
    try:
        yield journal
    finally:
        await journal.aclose()


def raw(update_id: int, text: str = "hello") -> dict[str, Any]:
    """A getUpdates result item: a private text message."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": 500, "type": "private"},
            "from": {"id": 500, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


async def stored_ids(url: str) -> list[object]:
    """Update ids in the journal table, read through a plain engine."""
    return await column(url, "SELECT update_id FROM update_journal ORDER BY 1")


async def flush(journal: UpdateJournal) -> None:
    """Wait until the journal thread wrote everything queued."""
    assert await asyncio.to_thread(journal.flush_blocking, GIVE_UP)


async def test_a_batch_is_one_write(journal: UpdateJournal, store: SpyStore, url: str) -> None:
    """Three updates fetched together are stored by exactly one write."""
    journal.record_batch([raw(1), raw(2), raw(3)])
    await journal.committed()
    assert store.writes == [([1, 2, 3], set())]
    assert await stored_ids(url) == [1, 2, 3]


async def test_handled_updates_are_cleared_in_one_batched_write(
    journal: UpdateJournal, store: SpyStore, url: str
) -> None:
    """Updates finishing close together are deleted together, with the next write."""
    journal.record_batch([raw(1), raw(2), raw(3)])
    await journal.committed()
    journal.update_started(1)
    journal.update_finished(1)
    journal.update_finished(3)
    journal.record_batch([raw(4)])
    await journal.committed()
    assert store.writes[1:] == [([4], {1, 3})]
    assert await stored_ids(url) == [2, 4]


async def test_lingering_clears_are_written_without_a_new_batch(url: str) -> None:
    """With no further batch, a handled update's row still goes after the short linger."""
    store = SpyStore(url)
    journal = UpdateJournal(store, linger_seconds=0.05)
    try:
        journal.record_batch([raw(1)])
        await journal.committed()
        journal.update_finished(1)
        async with asyncio.timeout(GIVE_UP):
            while await stored_ids(url):
                await asyncio.sleep(0.02)
    finally:
        await journal.aclose()
    assert store.writes == [([1], set()), ([], {1})]


async def test_closing_writes_what_is_queued(url: str) -> None:
    """aclose() at shutdown stores pending clears before the thread ends."""
    journal = UpdateJournal(SpyStore(url), linger_seconds=60)
    journal.record_batch([raw(1), raw(2)])
    await journal.committed()
    journal.update_finished(2)
    await journal.aclose()
    assert await stored_ids(url) == [1]


async def test_attempts_lead_to_replays_then_quarantine(journal: UpdateJournal, url: str) -> None:
    """Left together, replayed together, then alone: only one that fails alone is quarantined."""
    journal.record_batch([raw(1), raw(2), raw(3)])
    await journal.committed()

    first = await journal.recover()
    assert [r.update_id for r in first.replay_together] == [1, 2, 3]
    assert not first.replay_alone
    assert not first.quarantine
    await journal.begin_replay([1, 2, 3])  # the replay in company fails for all three

    second = await journal.recover()
    assert [r.update_id for r in second.replay_alone] == [1, 2, 3]
    assert not second.quarantine
    await journal.begin_replay([1])  # 1 fails on its own
    journal.update_finished(2)  # 2 and 3 were fine
    journal.update_finished(3)
    await flush(journal)

    third = await journal.recover()
    assert [(r.update_id, r.attempts) for r in third.quarantine] == [(1, 2)]
    assert not third.replay_alone
    assert not third.replay_together
    await journal.drop([1])
    assert await stored_ids(url) == []


async def test_a_lone_update_is_quarantined_after_its_second_failure(
    journal: UpdateJournal,
) -> None:
    """An update in flight alone at one failure and at its replay's failure is quarantined."""
    journal.record_batch([raw(9)])
    await journal.committed()
    plan = await journal.recover()
    await journal.begin_replay([row.update_id for row in plan.replay_together])
    assert [row.update_id for row in (await journal.recover()).quarantine] == [9]


async def test_an_update_seen_again_keeps_its_attempts(journal: UpdateJournal, url: str) -> None:
    """A batch re-sent by Telegram beside new updates stores the new ones and keeps the count."""
    journal.record_batch([raw(1)])
    await journal.committed()
    await journal.begin_replay([1])
    journal.record_batch([raw(1), raw(2)])
    await journal.committed()
    assert await stored_ids(url) == [1, 2]
    assert [row.attempts for row in (await journal.recover()).quarantine] == [1]


async def test_resume_from_follows_the_newest_journaled_id(url: str) -> None:
    """A new poller may start past the newest journaled id, unless that was days ago."""
    clock = FakeClock()
    journal = UpdateJournal(SpyStore(url), now=clock)
    try:
        journal.record_batch([raw(40), raw(41)])
        await journal.committed()
        journal.update_finished(40)
        journal.update_finished(41)
        await flush(journal)
        assert await journal.resume_from() == 42
    finally:
        await journal.aclose()
    clock.advance(seconds=(RESUME_WITHIN + timedelta(hours=1)).total_seconds())
    later = UpdateJournal(SpyStore(url), now=clock)
    try:
        assert await later.resume_from() is None  # Telegram may have renumbered by now
    finally:
        await later.aclose()


async def test_the_next_get_updates_waits_for_the_batch_on_disk(
    journal: UpdateJournal, store: SpyStore, url: str
) -> None:
    """The getUpdates that acknowledges a batch is sent only after the batch's write committed."""
    health = HealthState(poll_timeout=0, stall_seconds=60)
    async with FakeTelegram() as telegram:
        bot = Bot(
            telegram.token,
            base_url=telegram.base_url,
            request=AiohttpRequest(),
            get_updates_request=PollingProbeRequest(health, journal),
        )
        async with bot:
            first = telegram.send_text(700, "one")
            second = telegram.send_text(701, "two")
            store.release.clear()
            fetched = await bot.get_updates(timeout=0)
            assert [u.update_id for u in fetched] == [first, second]
            acknowledge = asyncio.create_task(bot.get_updates(offset=second + 1, timeout=0))
            await asyncio.sleep(0.2)
            assert not acknowledge.done()
            assert len(telegram.pending_updates) == 2  # Telegram still holds them
            store.release.set()
            await acknowledge
            assert telegram.pending_updates == []
    assert await stored_ids(url) == [first, second]


async def test_polling_goes_on_when_the_journal_is_stuck(
    journal: UpdateJournal, store: SpyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that never finishes holds getUpdates only for a bounded time, then is logged."""
    monkeypatch.setattr("vinbot.journal.COMMIT_WAIT_SECONDS", 0.1)
    store.release.clear()
    journal.record_batch([raw(1)])
    with capture_logs() as events:
        await journal.committed()
    store.release.set()
    assert [e["event"] for e in events] == ["update_journal_stuck"]
