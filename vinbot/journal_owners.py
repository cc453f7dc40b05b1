"""Several instances, one journal: each keeps its rows with a lease; a dead one's are adopted.

Every instance holds a journal lease named after itself, renewed every third of its length and
given up at a clean stop. Each replays only its own rows after a restart, so a neighbour's
updates in flight are never handled twice. Rows whose holder's lease has run out belong to an
instance that died (kill -9, a lost machine) and did not come back under its name: another
instance takes that lease itself (one atomic statement, so one taker wins), moves the rows to
its own name in one UPDATE, gives the lease back and replays them as after its own crash. The
dead instance, restarted meanwhile under its name (same host, same PORT), waits for its lease
until the taker is done, so the two never read the same rows.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING

from vinbot.logs import get_logger
from vinbot.models.records import utc_now
from vinbot.services.leases import Lease

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from datetime import timedelta

    from vinbot.journal import UpdateJournal
    from vinbot.models.records import Clock
    from vinbot.services.leases import LeaseStore
    from vinbot.storage.update_journal import JournaledUpdate

log = get_logger(__name__)

# How often a starting instance looks again while a neighbour is adopting its rows.
START_RETRY_SECONDS = 0.5


def journal_lease_name(holder: str) -> str:
    """The lease guarding one instance's journal rows (hashed: names are short, holders not)."""
    return "journal:" + hashlib.sha256(holder.encode()).hexdigest()[:32]


class JournalOwnership:
    """This instance's claim on its journal rows, and the adoption of dead instances' rows."""

    def __init__(
        self,
        journal: UpdateJournal,
        leases: LeaseStore,
        holder: str,
        ttl: timedelta,
        *,
        now: Clock = utc_now,
    ) -> None:
        self._journal = journal
        self._leases = leases
        self._ttl = ttl
        self._now = now
        self._own = Lease(leases, journal_lease_name(holder), holder, ttl, now=now)
        self.holder = holder

    async def claim(self) -> None:
        """Take this instance's lease before its rows are read or written.

        Held by another instance only while it adopts this one's rows from a crash; waits for
        it (at most the lease's length, then goes on: the rows are that instance's by then).
        """
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self._ttl.total_seconds()
        while not await self._own.acquire():
            if loop.time() >= give_up_at:
                log.warning("journal_lease_busy", detail="another instance kept it; going on")
                return
            await asyncio.sleep(START_RETRY_SECONDS)

    async def adopt_orphans(self) -> list[JournaledUpdate]:
        """Move the rows of every instance whose lease ran out to this one; the rows moved."""
        adopted: list[JournaledUpdate] = []
        for holder in await self._journal.other_holders():
            if holder is None:  # rows from before holders were recorded: anyone's to take
                adopted += await self._journal.adopt(None)
                continue
            name = journal_lease_name(holder)
            theirs = Lease(self._leases, name, self.holder, self._ttl, now=self._now)
            if not await theirs.acquire():
                continue  # alive, or another instance is adopting them right now
            try:
                rows = await self._journal.adopt(holder)
            finally:
                await theirs.release()
            if rows:
                log.warning("journal_rows_adopted", dead_instance=holder, updates=len(rows))
            adopted += rows
        return adopted

    async def keep(
        self,
        replay: Callable[[list[JournaledUpdate]], Coroutine[None, None, None]],
        *,
        finish_within: float,
    ) -> None:
        """Renew the lease every third of its length and replay what is adopted; until cancelled.

        Replays run beside the renewals (a slow one must not let this instance's own lease
        lapse); when cancelled, replays still running get `finish_within` seconds to end.
        """
        every = self._ttl.total_seconds() / 3
        replays: set[asyncio.Task[None]] = set()
        try:
            while True:
                await asyncio.sleep(every)
                rows = await self._renew_and_adopt()
                if rows:
                    task = asyncio.create_task(replay(rows), name="journal-adopted-replay")
                    replays.add(task)
                    task.add_done_callback(replays.discard)
        finally:
            if replays:
                _, unfinished = await asyncio.wait(replays, timeout=finish_within)
                for task in unfinished:
                    task.cancel()
                await asyncio.gather(*unfinished, return_exceptions=True)

    async def _renew_and_adopt(self) -> list[JournaledUpdate]:
        try:
            if not await self._own.acquire():
                log.error(
                    "journal_lease_lost",
                    detail="not renewed in time: another instance may replay our updates",
                )
            return await self.adopt_orphans()
        except Exception as exc:  # noqa: BLE001 - the database is away; try again later
            log.warning("journal_lease_unavailable", error_type=type(exc).__name__)
            return []

    async def release(self) -> None:
        """At a clean stop, after the journal's last write: give the rows' lease up."""
        try:
            await self._journal.flush()
            await self._own.release()
        except Exception as exc:  # noqa: BLE001 - it expires by itself; shutdown goes on
            log.warning("journal_lease_release_failed", error_type=type(exc).__name__)
