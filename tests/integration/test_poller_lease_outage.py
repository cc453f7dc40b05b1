"""The poller lease through a database outage: polling rides out a short one, stands by before
the lease can pass to another instance, and resumes when the database is back; never two
pollers at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import pytest

from vinbot import runtime
from vinbot.health import HealthState
from vinbot.services.leases import Lease

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from vinbot.handlers.context import BotServices
    from vinbot.journal import UpdateJournal
    from vinbot.update_tracking import TrackedApplication

# POLLER_LEASE_SECONDS' minimum: renewed every second.
TTL = timedelta(seconds=3)
WAIT_SECONDS = 15.0


class DatabaseDown(OSError):
    """What the driver raises while the database cannot be reached."""


@dataclass
class LeaseTable:
    """The leases table every instance shares: name -> (holder, expires_at)."""

    rows: dict[str, tuple[str, datetime]] = field(default_factory=dict)


class ReachableStore:
    """One instance's way to the lease table (a LeaseStore), cut on demand: failing at once or
    hanging (a connection that never answers) until the database is back."""

    def __init__(self, table: LeaseTable) -> None:
        self._table = table
        self._outage: str | None = None
        self._back = asyncio.Event()
        self._failures_left = 0
        self.calls = 0
        self.refused = 0

    def fail(self, *, times: int | None = None, hang: bool = False) -> None:
        """Cut this instance off the database: the next `times` calls, or until restore()."""
        self._back.clear()
        self._outage = "hang" if hang else "fail"
        self._failures_left = times if times is not None else -1

    def restore(self) -> None:
        """The database answers again (hanging calls fail, as a timed-out driver call would)."""
        self._outage = None
        self._back.set()

    async def _reach(self) -> None:
        self.calls += 1
        if self._outage is None or self._failures_left == 0:
            return
        self._failures_left -= 1
        self.refused += 1
        if self._outage == "hang":
            await self._back.wait()
        raise DatabaseDown("database unreachable")

    async def take(self, name: str, holder: str, *, now: datetime, until: datetime) -> bool:
        """Take or renew as SqlLeaseRepository does: free, expired or already ours."""
        await self._reach()
        row = self._table.rows.get(name)
        if row is not None and row[0] != holder and row[1] > now:
            return False
        self._table.rows[name] = (holder, until)
        return True

    async def release(self, name: str, holder: str) -> None:
        """Give the lease up if it is the holder's."""
        await self._reach()
        if self._table.rows.get(name, ("", None))[0] == holder:
            del self._table.rows[name]

    async def holder(self, name: str, *, now: datetime) -> str | None:
        """The holder of an unexpired lease."""
        await self._reach()
        row = self._table.rows.get(name)
        return row[0] if row is not None and row[1] > now else None


@dataclass
class Pollers:
    """Which instances call getUpdates right now, and the most that ever did at once."""

    polling: set[str] = field(default_factory=set)
    most_at_once: int = 0


class FakeUpdater:
    """PTB's Updater as _LeasedPoller uses it: start_polling, stop, running."""

    def __init__(self, name: str, pollers: Pollers) -> None:
        self._name = name
        self._pollers = pollers
        self.starts = 0
        self.stops = 0

    @property
    def running(self) -> bool:
        """Whether this instance polls."""
        return self._name in self._pollers.polling

    async def start_polling(self, **_options: Any) -> None:
        """Start calling getUpdates."""
        self.starts += 1
        self._pollers.polling.add(self._name)
        self._pollers.most_at_once = max(self._pollers.most_at_once, len(self._pollers.polling))

    async def stop(self) -> None:
        """Stop calling getUpdates."""
        self.stops += 1
        self._pollers.polling.discard(self._name)


@dataclass
class Instance:
    """One bot process as _LeasedPoller sees it, with its own way to the database."""

    name: str
    store: ReachableStore
    updater: FakeUpdater
    health: HealthState
    poller: runtime._LeasedPoller


def _instance(name: str, table: LeaseTable, pollers: Pollers) -> Instance:
    store = ReachableStore(table)
    updater = FakeUpdater(name, pollers)
    health = HealthState(poll_timeout=0, stall_seconds=60)
    services = SimpleNamespace(
        settings=SimpleNamespace(poll_timeout_seconds=0, conflict_exit_seconds=120),
        health=health,
        instance=name,
        poller_lease=Lease(store, "poller", name, TTL),
        admin_alerts=None,
    )
    application = SimpleNamespace(updater=updater, bot=None)
    poller = runtime._LeasedPoller(
        cast("TrackedApplication", application),
        cast("BotServices", services),
        cast("UpdateJournal", None),
    )
    return Instance(name, store, updater, health, poller)


async def _nothing(*_args: object, **_kwargs: object) -> None:
    return None


@pytest.fixture(autouse=True)
def quick_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The poller looks every few milliseconds; Telegram calls around polling do nothing."""
    monkeypatch.setattr(runtime, "WATCH_INTERVAL_SECONDS", 0.01)
    monkeypatch.setattr(runtime, "STANDBY_CHECK_SECONDS", 0.05)
    monkeypatch.setattr(runtime, "delete_leftover_webhook", _nothing)
    # What polling does with the journal first (not the subject here), by either name it has had.
    for journal_step in ("recover_updates", "skip_journaled_updates"):
        monkeypatch.setattr(runtime, journal_step, _nothing, raising=False)


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        while not condition():
            await asyncio.sleep(0.005)


async def _calls_after(store: ReachableStore, count: int) -> None:
    """Wait until the instance has tried the database `count` more times."""
    target = store.calls + count
    await _until(lambda: store.calls >= target)


@pytest.fixture
def pollers() -> Pollers:
    """Who polls now, shared by the instances of a test."""
    return Pollers()


@pytest.fixture
async def running(pollers: Pollers) -> AsyncIterator[Callable[[str, LeaseTable], Instance]]:
    """Starts instances' pollers on demand; stops and releases them all at the end."""
    stop = asyncio.Event()
    started: list[tuple[Instance, asyncio.Task[int]]] = []

    def start(name: str, table: LeaseTable) -> Instance:
        instance = _instance(name, table, pollers)
        started.append((instance, asyncio.create_task(instance.poller.run(stop))))
        return instance

    yield start
    stop.set()
    for instance, task in started:
        instance.store.restore()
        assert await task == runtime.EXIT_OK
        await instance.poller.release()


async def test_polling_rides_out_a_short_outage_stands_by_after_a_long_one_and_resumes(
    running: Callable[[str, LeaseTable], Instance],
) -> None:
    """A failed renewal keeps polling while the lease lasts; an outage longer than that stops
    polling (health says standby); the database back, the instance takes the lease again."""
    table = LeaseTable()
    bot = running("a", table)
    await _until(lambda: bot.updater.running)

    bot.store.fail(times=1)
    await _until(lambda: bot.store.refused == 1)
    await _calls_after(bot.store, 1)
    assert (bot.updater.starts, bot.updater.stops) == (1, 0)
    assert not bot.health.standby

    bot.store.fail()
    await _until(lambda: bot.health.standby)
    assert not bot.updater.running
    assert bot.health.liveness().standby
    assert bot.health.liveness().healthy
    assert bot.health.ready

    bot.store.restore()
    await _until(lambda: bot.updater.running)
    assert (bot.updater.starts, bot.updater.stops) == (2, 1)
    assert not bot.health.standby
    assert table.rows["poller"][0] == "a"


@pytest.mark.parametrize("hang", [True, False], ids=["calls-hang", "calls-fail"])
async def test_another_instance_takes_over_only_after_the_cut_off_one_stopped(
    running: Callable[[str, LeaseTable], Instance], pollers: Pollers, *, hang: bool
) -> None:
    """The poller cut off its database (calls failing, or hanging as an unreachable host's do)
    stops polling before its lease runs out and keeps looking; the standby instance takes the
    lease once it expired; the first, reconnected, stands by."""
    table = LeaseTable()
    first = running("a", table)
    await _until(lambda: first.updater.running)
    second = running("b", table)
    await _until(lambda: second.health.standby)

    first.store.fail(hang=hang)
    await _until(lambda: second.updater.running)
    assert not first.updater.running
    assert first.health.standby
    assert pollers.most_at_once == 1
    await _until(lambda: first.store.refused >= 4)

    first.store.restore()
    await _calls_after(first.store, 2)
    assert first.health.standby
    assert pollers.polling == {"b"}
    assert pollers.most_at_once == 1
    assert table.rows["poller"][0] == "b"


async def test_a_shutdown_does_not_wait_for_a_database_that_does_not_answer(
    pollers: Pollers,
) -> None:
    """Stopping while the database hangs ends the run, and giving the lease up is abandoned
    (it expires by itself) instead of holding the shutdown."""
    bot = _instance("a", LeaseTable(), pollers)
    stop = asyncio.Event()
    task = asyncio.create_task(bot.poller.run(stop))
    await _until(lambda: bot.updater.running)
    bot.store.fail(hang=True)
    await _until(lambda: bot.store.refused == 1)
    stop.set()
    async with asyncio.timeout(WAIT_SECONDS):
        assert await task == runtime.EXIT_OK
        await bot.poller.release()
    assert bot.store.refused == 2
    bot.store.restore()
