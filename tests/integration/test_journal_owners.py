"""Several instances on one update journal, on SQLite and PostgreSQL: each replays its own rows,
a live neighbour's are never touched, a dead one's are adopted by exactly one instance."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text

from vinbot.journal import UpdateJournal
from vinbot.journal_owners import JournalOwnership, journal_lease_name
from vinbot.services.leases import Lease
from vinbot.storage.lease_repository import SqlLeaseRepository
from vinbot.storage.migrate import migrate

from .storage_support import FakeClock, opened

if TYPE_CHECKING:
    from vinbot.storage.engine import Database
    from vinbot.storage.update_journal import JournaledUpdate

TTL = timedelta(seconds=30)
A, B, C = "host-a:8080", "host-b:8080", "host-c:8080"


def raw(update_id: int) -> dict[str, Any]:
    """A getUpdates item."""
    return {"update_id": update_id, "message": {"message_id": update_id, "text": "hi"}}


def ids(rows: list[JournaledUpdate] | tuple[JournaledUpdate, ...]) -> list[int]:
    """The update ids of journal rows."""
    return [row.update_id for row in rows]


class Instance:
    """One instance's journal and ownership over a shared database, on one clock."""

    def __init__(self, url: str, holder: str, database: Database, clock: FakeClock) -> None:
        self.journal = UpdateJournal.open(url, holder)
        self.leases = SqlLeaseRepository(database.sessions)
        self.ownership = JournalOwnership(self.journal, self.leases, holder, TTL, now=clock)

    async def journaled(self, *update_ids: int) -> None:
        """Fetch a batch and wait until it is on disk."""
        self.journal.record_batch([raw(update_id) for update_id in update_ids])
        await self.journal.committed()

    async def own_rows(self) -> list[int]:
        """What this instance would replay after a restart."""
        return ids((await self.journal.recover()).replay_together)


class Instances:
    """Opens instances on one migrated database and closes them after the test."""

    def __init__(self, url: str, stack: AsyncExitStack) -> None:
        self.url = url
        self.stack = stack
        self.clock = FakeClock()

    async def start(self, holder: str) -> Instance:
        """A new instance (its own connections), not yet claiming its lease."""
        database = await self.stack.enter_async_context(opened(self.url))
        instance = Instance(self.url, holder, database, self.clock)
        self.stack.push_async_callback(instance.journal.aclose)
        return instance


@pytest.fixture
async def instances(database_url: str) -> Any:
    await migrate(database_url)
    async with AsyncExitStack() as stack:
        yield Instances(database_url, stack)


async def test_each_instance_replays_only_its_own_rows(instances: Instances) -> None:
    """A restart reads its own in-flight updates, never a running neighbour's."""
    a, b = await instances.start(A), await instances.start(B)
    await a.journaled(1, 2)
    await b.journaled(3)
    assert await a.own_rows() == [1, 2]
    assert await b.own_rows() == [3]


async def test_a_live_neighbours_rows_stay_its_own_until_its_lease_runs_out(
    instances: Instances,
) -> None:
    """Rows are adopted only once their holder stopped renewing its lease, and then they move."""
    a, b = await instances.start(A), await instances.start(B)
    await a.ownership.claim()
    await b.ownership.claim()
    await a.journaled(1, 2)
    assert await b.ownership.adopt_orphans() == []
    instances.clock.advance(seconds=20)
    await a.ownership.claim()  # a renewal
    instances.clock.advance(seconds=20)
    assert await b.ownership.adopt_orphans() == []
    instances.clock.advance(seconds=31)  # a died: no renewal for longer than the lease
    assert ids(await b.ownership.adopt_orphans()) == [1, 2]
    assert await a.own_rows() == []
    assert await b.own_rows() == [1, 2]
    assert await b.ownership.adopt_orphans() == []


async def test_a_clean_stop_hands_leftovers_over_at_once(instances: Instances) -> None:
    """A stopped instance gives its lease up after its last write: leftovers are adoptable now."""
    a, b = await instances.start(A), await instances.start(B)
    await a.ownership.claim()
    await a.journaled(7, 8)
    a.journal.update_finished(7)  # handled, its deletion still lingering in the journal thread
    await a.ownership.release()
    assert ids(await b.ownership.adopt_orphans()) == [8]


async def test_rows_from_before_holders_are_anyones_to_adopt(instances: Instances) -> None:
    """Rows written before revision 0010 have no holder: the first instance to look takes them."""
    a = await instances.start(A)
    await a.journaled(5)
    async with opened(instances.url) as database, database.sessions.writing() as session:
        await session.execute(text("UPDATE update_journal SET holder = NULL"))
    b = await instances.start(B)
    assert ids(await b.ownership.adopt_orphans()) == [5]
    assert await a.own_rows() == []


async def test_two_instances_adopting_at_once_never_both_get_a_row(instances: Instances) -> None:
    """Of two survivors adopting a dead instance's rows at the same moment, each row goes to one."""
    dead = await instances.start(A)
    await dead.ownership.claim()
    await dead.journaled(*range(1, 41))
    b, c = await instances.start(B), await instances.start(C)
    instances.clock.advance(seconds=31)
    await asyncio.gather(b.ownership.claim(), c.ownership.claim())
    for _ in range(3):
        got_b, got_c = await asyncio.gather(
            b.ownership.adopt_orphans(), c.ownership.adopt_orphans()
        )
        assert not set(ids(got_b)) & set(ids(got_c))
    assert sorted((await b.own_rows()) + (await c.own_rows())) == list(range(1, 41))


async def test_a_restarted_instance_waits_while_a_neighbour_adopts_its_rows(
    instances: Instances,
) -> None:
    """The dead instance back under its name does not read its rows while another moves them."""
    a = await instances.start(A)
    await a.ownership.claim()
    await a.journaled(1)
    instances.clock.advance(seconds=31)
    b = await instances.start(B)
    adopting = Lease(b.leases, journal_lease_name(A), B, TTL, now=instances.clock)
    assert await adopting.acquire()  # b is in the middle of an adoption
    restarted = await instances.start(A)
    claim = asyncio.create_task(restarted.ownership.claim())
    await asyncio.sleep(1.2)
    assert not claim.done()
    await adopting.release()
    await asyncio.wait_for(claim, 10)
    assert await b.ownership.adopt_orphans() == []  # a holds its lease again
    assert await restarted.own_rows() == [1]


async def test_an_update_delivered_again_belongs_to_its_new_receiver(
    instances: Instances,
) -> None:
    """Telegram re-delivering an update to another instance moves its row there, attempts kept."""
    a, b = await instances.start(A), await instances.start(B)
    await a.journaled(9, 10)
    await a.journal.begin_replay([9, 10])
    await b.journaled(9)
    assert ids((await a.journal.recover()).replay_alone) == [10]
    plan = await b.journal.recover()
    assert [(row.update_id, row.attempts) for row in plan.replay_alone] == [(9, 1)]


async def test_keeping_the_lease_replays_what_it_adopts(database_url: str) -> None:
    """The running instance's keeper notices a dead neighbour and hands its rows to the replay."""
    await migrate(database_url)
    clock = FakeClock()
    async with AsyncExitStack() as stack:
        instances = Instances(database_url, stack)
        instances.clock = clock
        dead = await instances.start(A)
        await dead.ownership.claim()
        await dead.journaled(3, 4)
        database = await stack.enter_async_context(opened(database_url))
        journal = UpdateJournal.open(database_url, B)
        stack.push_async_callback(journal.aclose)
        short = timedelta(seconds=0.3)
        survivor = JournalOwnership(
            journal, SqlLeaseRepository(database.sessions), B, short, now=clock
        )
        await survivor.claim()
        replayed: asyncio.Queue[list[int]] = asyncio.Queue()

        async def replay(rows: list[JournaledUpdate]) -> None:
            await replayed.put(ids(rows))

        keeper = asyncio.create_task(survivor.keep(replay, finish_within=5))
        try:
            await asyncio.sleep(0.5)
            assert replayed.empty()  # the dead one's lease (30 s) has not run out
            clock.advance(seconds=31)
            assert await asyncio.wait_for(replayed.get(), 10) == [3, 4]
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)


async def test_a_slow_adopted_replay_never_lets_the_survivors_own_lease_lapse(
    database_url: str,
) -> None:
    """While an adopted update is still being handled, the survivor keeps renewing its lease,
    so a third instance never adopts the survivor's own updates in flight."""
    await migrate(database_url)
    clock = FakeClock()
    async with AsyncExitStack() as stack:
        instances = Instances(database_url, stack)
        instances.clock = clock
        dead = await instances.start(A)
        await dead.ownership.claim()
        await dead.journaled(3)
        database = await stack.enter_async_context(opened(database_url))
        journal = UpdateJournal.open(database_url, B)
        stack.push_async_callback(journal.aclose)
        short = timedelta(seconds=0.3)
        survivor = JournalOwnership(
            journal, SqlLeaseRepository(database.sessions), B, short, now=clock
        )
        await survivor.claim()
        journal.record_batch([raw(50)])  # the survivor's own update in flight
        await journal.committed()
        started, release = asyncio.Event(), asyncio.Event()

        async def slow_replay(rows: list[JournaledUpdate]) -> None:
            del rows
            started.set()
            await release.wait()

        keeper = asyncio.create_task(survivor.keep(slow_replay, finish_within=5))
        try:
            clock.advance(seconds=31)
            await asyncio.wait_for(started.wait(), 10)
            for _ in range(10):  # time passes, the replay still runs, renewals go on
                clock.advance(seconds=0.1)
                await asyncio.sleep(0.15)
            third = await instances.start(C)
            assert await third.ownership.adopt_orphans() == []
        finally:
            release.set()
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
