"""Lookup history: writes happen in the background with retries, so a reply never waits on them."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from vinbot.logs import get_logger
from vinbot.models.records import NewLookup, utc_now
from vinbot.services.write_queue import drain_then_stop, next_batch

if TYPE_CHECKING:
    from vinbot.models.records import Clock, LookupRecord
    from vinbot.storage.repositories import LookupRepository


class HistoryRecorder:
    """Queues lookups and writes them in batches from one task it owns; read with recent()."""

    def __init__(
        self,
        lookups: LookupRepository,
        *,
        now: Clock = utc_now,
        max_pending: int = 10_000,
        batch_size: int = 100,
        attempts: int = 4,
        retry_delay: float = 0.1,
        read_wait: float = 1.0,
        close_wait: float = 10.0,
    ) -> None:
        if max_pending < 1 or batch_size < 1 or attempts < 1:
            raise ValueError("max_pending, batch_size and attempts must be at least 1")
        self._lookups = lookups
        self._now = now
        self._queue: asyncio.Queue[tuple[NewLookup, asyncio.Future[None]]] = asyncio.Queue(
            maxsize=max_pending
        )
        self._batch_size = batch_size
        self._attempts = attempts
        self._retry_delay = retry_delay
        self._read_wait = read_wait
        self._close_wait = close_wait
        self._in_flight = 0
        self._worker: asyncio.Task[None] | None = None
        self._closed = False
        self._log = get_logger(__name__)

    @property
    def pending(self) -> int:
        """Lookups queued or being written now."""
        return self._queue.qsize() + self._in_flight

    def record(
        self,
        user_id: int,
        vin: str,
        provider: str,
        *,
        year: int | None = None,
        make: str | None = None,
        model: str | None = None,
    ) -> asyncio.Future[None]:
        """Queue a lookup and return at once; the future completes once it is written or logged.

        Callers that must know the lookup is durable (a reply about to be sent) await it;
        concurrent lookups share one transaction, so that wait is one commit.
        """
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lookup = NewLookup(
            user_id=user_id,
            vin=vin,
            provider=provider,
            looked_up_at=self._now(),
            year=year,
            make=make,
            model=model,
        )
        if self._closed:
            self._lost([lookup], reason="recorder closed")
            written.set_result(None)
            return written
        try:
            self._queue.put_nowait((lookup, written))
        except asyncio.QueueFull:
            self._lost([lookup], reason="queue full")
            written.set_result(None)
            return written
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(
                self._work(), name="history-recorder"
            )
        return written

    async def flush(self) -> None:
        """Wait until every lookup queued so far is written (or logged as lost)."""
        if self._worker is not None:
            await self._queue.join()

    async def recent(self, user_id: int, limit: int = 10) -> list[LookupRecord]:
        """The user's latest lookups, newest first, after a short wait for queued writes."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._read_wait):
                await self.flush()
        return await self._lookups.recent(user_id, limit)

    async def aclose(self) -> None:
        """Write what is queued (waiting up to close_wait), then stop; later lookups are logged."""
        self._closed = True
        worker, self._worker = self._worker, None
        if worker is None:
            return
        try:
            await drain_then_stop(self._queue, worker, self._close_wait)
        finally:
            leftovers: list[NewLookup] = []
            while not self._queue.empty():
                lookup, written = self._queue.get_nowait()
                leftovers.append(lookup)
                _complete(written)
                self._queue.task_done()
            if leftovers:
                self._lost(leftovers, reason="shutdown")

    async def _work(self) -> None:
        while True:
            items = await next_batch(self._queue, self._batch_size)
            batch = [lookup for lookup, _ in items]
            self._in_flight = len(batch)
            try:
                await self._write(batch)
            except asyncio.CancelledError:
                self._lost(batch, reason="shutdown")
                raise
            finally:
                self._in_flight = 0
                for _, written in items:
                    _complete(written)
                    self._queue.task_done()

    async def _write(self, batch: list[NewLookup]) -> None:
        for attempt in range(1, self._attempts + 1):
            try:
                await self._lookups.add_many(batch)
            except Exception as exc:  # noqa: BLE001 - every failure is retried, then logged
                if attempt == self._attempts:
                    self._lost(batch, reason=repr(exc))
                    return
                self._log.warning(
                    "lookup_write_retry", attempt=attempt, lookups=len(batch), error=repr(exc)
                )
                await asyncio.sleep(self._retry_delay * 2 ** (attempt - 1))
            else:
                return

    def _lost(self, lookups: list[NewLookup], *, reason: str) -> None:
        for lookup in lookups:
            self._log.error(
                "lookup_not_recorded",
                reason=reason,
                user_id=lookup.user_id,
                vin=lookup.vin,
                provider=lookup.provider,
                looked_up_at=lookup.looked_up_at.isoformat(),
            )


def _complete(written: asyncio.Future[None]) -> None:
    if not written.done():
        written.set_result(None)
