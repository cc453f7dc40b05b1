"""The durable record of updates in flight, so a crash (kill -9, OOM, watchdog exit) loses none.

Each fetched getUpdates batch is written once, by the journal's own thread, while the handlers
already run: nobody waits for it except the next getUpdates, whose offset tells Telegram to
forget the batch (polling.py holds that request until the batch is on disk). A finished update's
row is deleted, batched with the next write. Because the writes happen in a plain thread, a batch
reaches the disk even when a handler has just frozen the event loop.

After a restart the rows left are updates that were in flight at the failure. They are handled
again (recovery.py), the attempt counted on disk first: all together the first time; one left
over from a replay in company is handled again alone; one left over from a replay on its own
was in flight at two failures in a row, the second of which it faced alone: it is quarantined.
An update that brings the bot down therefore comes back at most twice, and the updates that were
merely in flight beside it are never quarantined for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from vinbot.logs import get_logger
from vinbot.models.records import utc_now
from vinbot.storage.update_journal import JournaledUpdate, JournalStore, SqlJournalStore

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

    from vinbot.models.records import Clock

log = get_logger(__name__)

# How long a handled update's deletion may wait for company (the next batch or other deletions).
CLEAR_LINGER_SECONDS = 0.25
# Telegram numbers updates sequentially unless none came for a week; within this the newest
# journaled id tells where the next run's getUpdates may start.
RESUME_WITHIN = timedelta(days=5)
# Longer than any write can take (SQLite's busy timeout is 10 s): past it polling goes on
# without the journal rather than stopping.
COMMIT_WAIT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class RecoveryPlan:
    """What a restart does with the rows a failure left: handle again, or quarantine."""

    replay_together: tuple[JournaledUpdate, ...]  # in flight at the last failure only
    replay_alone: tuple[JournaledUpdate, ...]  # in flight at a failure of a replay in company
    quarantine: tuple[JournaledUpdate, ...]  # in flight at a failure of its replay on its own


@dataclass(frozen=True, slots=True)
class _Write:
    fetched: list[tuple[int, str]]
    written: Callable[[bool], None]  # told whether the write reached the disk


@dataclass(frozen=True, slots=True)
class _Clear:
    update_id: int


@dataclass(frozen=True, slots=True)
class _Call[T]:
    run: Callable[[JournalStore], T]
    finish: Callable[[T | None, BaseException | None], None]


_STOP = object()

type _Item = _Write | _Clear | _Call[object] | object


def _settle[T](future: asyncio.Future[T], value: T | None, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)  # type: ignore[arg-type]


def _from_thread(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody waits
        loop.call_soon_threadsafe(callback)


class UpdateJournal:
    """Updates fetched but not yet handled, on disk; an update listener for the application."""

    def __init__(
        self,
        store: JournalStore,
        *,
        now: Clock = utc_now,
        linger_seconds: float = CLEAR_LINGER_SECONDS,
    ) -> None:
        self._store = store
        self._now = now
        self._linger = linger_seconds
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._last_write: asyncio.Future[bool] | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="update-journal", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, database_url: str, holder: str) -> UpdateJournal:
        """The journal on the bot's (already migrated) database, its rows held by `holder`."""
        return cls(SqlJournalStore(database_url, holder))

    # --- the polling side

    def record_batch(self, updates: Sequence[object]) -> asyncio.Future[bool] | None:
        """Write one fetched batch (Telegram's JSON objects) in the background.

        The future (None when there was nothing to write) tells whether this batch reached the
        disk; `saved` waits for it.
        """
        fetched = [
            (item["update_id"], json.dumps(item, ensure_ascii=False, separators=(",", ":")))
            for item in updates
            if isinstance(item, dict) and isinstance(item.get("update_id"), int)
        ]
        if not fetched or self._closed:
            return None
        loop = asyncio.get_running_loop()
        written: asyncio.Future[bool] = loop.create_future()
        self._last_write = written

        def done(ok: bool) -> None:
            _from_thread(loop, lambda: _settle(written, ok, None))

        self._queue.put(_Write(fetched, done))
        return written

    async def committed(self) -> None:
        """Wait until every batch recorded so far is on disk (or its failed write was logged)."""
        if self._last_write is not None:
            await self.saved(self._last_write)

    async def saved(self, written: asyncio.Future[bool] | None) -> bool:
        """Wait for one recorded batch's write: whether it reached the disk (False: it failed
        or is stuck past COMMIT_WAIT_SECONDS)."""
        if written is None:
            return False
        if not written.done():
            try:
                async with asyncio.timeout(COMMIT_WAIT_SECONDS):
                    await asyncio.shield(written)
            except TimeoutError:
                log.error("update_journal_stuck", waited_seconds=COMMIT_WAIT_SECONDS)
                return False
        return written.result()

    async def resume_from(self) -> int | None:
        """The first update id Telegram may still send a new poller (None: start anywhere).

        Updates up to the newest journaled id are handled, quarantined or waiting in the journal
        for a replay; Telegram must not hand them out again to a restarted or new poller.
        """
        mark = await self._call(lambda store: store.mark())
        if mark is not None and self._now() - mark.recorded_at <= RESUME_WITHIN:
            return mark.last_update_id + 1
        return None

    # --- the application's update listener

    def update_started(self, update_id: int) -> None:
        """Nothing to write: the update's row exists since its batch was fetched."""
        del update_id

    def update_finished(self, update_id: int) -> None:
        """Delete the update's row with the next write."""
        if not self._closed:
            self._queue.put(_Clear(update_id))

    # --- recovery at start-up

    async def recover(self) -> RecoveryPlan:
        """Read what this instance's last run left: updates to replay, updates to quarantine."""
        return plan_for(await self._call(lambda store: store.unfinished()))

    async def other_holders(self) -> list[str | None]:
        """The other instances with updates in the journal (None: rows from before holders)."""
        return await self._call(lambda store: store.other_holders())

    async def adopt(self, holder: str | None) -> list[JournaledUpdate]:
        """Take a dead instance's rows over (the caller holds its journal lease)."""
        return await self._call(lambda store: store.adopt(holder))

    async def begin_replay(self, update_ids: Collection[int]) -> None:
        """Count the attempt on disk before these updates are handled again, at the same time."""
        alone = len(update_ids) == 1
        await self._call(lambda store: store.begin_replay(update_ids, alone=alone))

    async def drop(self, update_ids: Collection[int]) -> None:
        """Delete rows for good (quarantined updates keep nothing)."""
        await self._call(lambda store: store.drop(update_ids))

    # --- flushing and closing

    async def flush(self) -> None:
        """Wait until every write and deletion queued so far is on disk."""
        await self._call(lambda _store: None)

    def flush_blocking(self, timeout: float) -> bool:
        """From another thread: wait until queued writes are on disk (False: timed out)."""
        if not self._thread.is_alive():
            return False
        done = threading.Event()
        self._queue.put(_Call(lambda _store: None, lambda _value, _error: done.set()))
        return done.wait(timeout)

    async def aclose(self) -> None:
        """Write what is queued, stop the thread and close the store; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)

    async def _call[T](self, run: Callable[[JournalStore], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def finish(value: T | None, error: BaseException | None) -> None:
            _from_thread(loop, lambda: _settle(future, value, error))

        self._queue.put(_Call(run, finish))
        return await future

    # --- the thread

    def _take(self, timeout: float | None) -> list[_Item]:
        try:
            items = [self._queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        with contextlib.suppress(queue.Empty):
            while True:
                items.append(self._queue.get_nowait())
        return items

    def _run(self) -> None:
        pending = _Pending()
        due: float | None = None  # when lingering deletions must be written
        try:
            while True:
                timeout = None if due is None else max(0.0, due - time.monotonic())
                stop = False
                for item in self._take(timeout):
                    if item is _STOP:
                        stop = True
                    elif isinstance(item, _Write):
                        pending.fetched.extend(item.fetched)
                        pending.written.append(item.written)
                    elif isinstance(item, _Clear):
                        pending.handled.add(item.update_id)
                    elif isinstance(item, _Call):
                        self._write(pending)
                        _run_call(item, self._store)
                if pending.fetched or stop or (due is not None and time.monotonic() >= due):
                    self._write(pending)
                    due = None
                elif pending.handled and due is None:
                    due = time.monotonic() + self._linger
                if stop:
                    return
        finally:
            self._store.close()

    def _write(self, pending: _Pending) -> None:
        ok = True
        if pending.fetched or pending.handled:
            try:
                self._store.write(pending.fetched, pending.handled, self._now())
            except Exception as exc:  # noqa: BLE001 - polling must go on; the loss is logged
                ok = False
                log.error(
                    "update_journal_write_failed",
                    error_type=type(exc).__name__,
                    fetched=len(pending.fetched),
                    handled=len(pending.handled),
                )
        for written in pending.written:
            written(ok)
        pending.clear()


class _Pending:
    """What the thread has collected for its next write."""

    def __init__(self) -> None:
        self.fetched: list[tuple[int, str]] = []
        self.handled: set[int] = set()
        self.written: list[Callable[[bool], None]] = []

    def clear(self) -> None:
        self.fetched = []
        self.handled = set()
        self.written = []


def _run_call[T](call: _Call[T], store: JournalStore) -> None:
    try:
        value = call.run(store)
    except Exception as exc:  # noqa: BLE001 - handed to the caller, which raises it
        call.finish(None, exc)
    else:
        call.finish(value, None)


def plan_for(rows: Sequence[JournaledUpdate]) -> RecoveryPlan:
    """What to do with rows left by a failure, by how often they were replayed already."""
    return RecoveryPlan(
        replay_together=tuple(row for row in rows if row.attempts == 0),
        replay_alone=tuple(row for row in rows if row.attempts and not row.replayed_alone),
        quarantine=tuple(row for row in rows if row.replayed_alone),
    )


def update_kind(payload: Mapping[str, object]) -> str:
    """Which kind of update a JSON object is ("message", "callback_query", …)."""
    return next((key for key in payload if key != "update_id"), "unknown")
