"""The one place paid upstream calls are allowed and counted, whatever feature makes them."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import TYPE_CHECKING, Protocol

from vinbot.logs import get_logger
from vinbot.services.write_queue import drain_then_stop, next_batch

if TYPE_CHECKING:
    from collections.abc import Callable

    from vinbot.models.records import CapEvent, QuotaDecision, QuotaReason
    from vinbot.services.quota import QuotaService

log = get_logger(__name__)


class AdminAlerts(Protocol):
    """Where a once-a-month "spend cap reached" event goes (admins' chats, in the bot)."""

    async def spend_cap_reached(self, event: CapEvent) -> None:
        """Tell the admins the bot-wide paid-call cap was just reached."""
        ...


class PaidCallCounter(Protocol):
    """Counts paid calls for metrics."""

    def paid_call(self) -> None:
        """One paid upstream call was made."""
        ...


class Reservation:
    """One paid call the quotas allowed: it counts against them until settled."""

    __slots__ = ("_settle", "_settled", "user_id")

    def __init__(self, user_id: int, settle: Callable[[int, bool], None]) -> None:
        self.user_id = user_id
        self._settle = settle
        self._settled = False

    def settle(self, *, paid: bool) -> None:
        """The call was made (it is written to the ledger) or not (the allowance returns).

        Only the first settle counts, so a `finally: settle(paid=False)` after a charge is safe.
        """
        if not self._settled:
            self._settled = True
            self._settle(self.user_id, paid)


class PaidCallGate:
    """Reserves paid calls against the quotas and writes each one made, off the reply's path.

    A reservation is taken before the call and counts at once, so concurrent lookups cannot all
    pass the same check. Writing is a database write in one task this gate owns, so a reply
    never waits for it; calls reserved or made but not yet written still count.
    """

    def __init__(
        self,
        quota: QuotaService,
        *,
        counter: PaidCallCounter,
        alerts: AdminAlerts,
        close_wait: float = 10.0,
    ) -> None:
        self._quota = quota
        self._counter = counter
        self._alerts = alerts
        self._close_wait = close_wait
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._pending: Counter[int] = Counter()
        self._deciding = asyncio.Lock()
        self._worker: asyncio.Task[None] | None = None
        self._closed = False

    async def reserve(
        self, user_id: int, *, is_admin: bool
    ) -> tuple[QuotaDecision, Reservation | None]:
        """Whether this user may cause a paid call now and, if so, the reservation to settle."""
        # Any database read happens before the lock, so one slow read holds up nobody else.
        await self._quota.prime(user_id)
        async with self._deciding:  # the check and the count, with no other check in between
            decision = await self._quota.check(
                user_id,
                is_admin=is_admin,
                pending_user=self._pending[user_id],
                pending_total=self._pending.total(),
            )
            if not decision.allowed:
                return decision, None
            self._pending[user_id] += 1
        return decision, Reservation(user_id, self._settle)

    async def remaining(self, user_id: int, *, is_admin: bool) -> tuple[int, QuotaReason] | None:
        """Paid calls this user may still cause now (calls not yet written count), and which
        limit that is; None when no limit applies."""
        await self._quota.prime(user_id)
        return await self._quota.remaining(
            user_id,
            is_admin=is_admin,
            pending_user=self._pending[user_id],
            pending_total=self._pending.total(),
        )

    def _settle(self, user_id: int, paid: bool) -> None:
        if not paid:
            self._forget_pending(user_id, 1)
            return
        self._counter.paid_call()
        if self._closed:  # a call that ended during shutdown: no ledger to write it any more
            self._forget_pending(user_id, 1)
            log.error("paid_calls_not_recorded", calls={user_id: 1}, error="ledger closed")
            return
        self._queue.put_nowait(user_id)
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(
                self._work(), name="paid-call-ledger"
            )

    def _forget_pending(self, user_id: int, count: int) -> None:
        self._pending[user_id] -= count
        if self._pending[user_id] <= 0:
            del self._pending[user_id]

    async def flush(self) -> None:
        """Wait until every call counted so far is written."""
        if self._worker is not None:
            await self._queue.join()

    async def aclose(self) -> None:
        """Write what is queued (waiting up to close_wait), then stop."""
        self._closed = True
        worker, self._worker = self._worker, None
        if worker is None:
            return
        try:
            await drain_then_stop(self._queue, worker, self._close_wait)
        finally:
            if self._pending:
                log.error("paid_calls_not_recorded", count=self._pending.total())

    async def _work(self) -> None:
        while True:
            # Calls made while the last write ran are written together, in one transaction.
            users = await next_batch(self._queue)
            calls = Counter(users)
            try:
                event = await self._quota.record_paid_calls(calls)
            except Exception as exc:  # noqa: BLE001 - a ledger failure must not stop the ledger
                log.error("paid_calls_not_recorded", calls=dict(calls), error=repr(exc))
                self._quota.remember_unwritten(calls)  # the quotas still hold without the row
                event = None
            finally:
                for user_id, count in calls.items():
                    self._forget_pending(user_id, count)
                for _ in users:
                    self._queue.task_done()
            if event is not None:
                log.warning("spend_cap_reached", month=event.month, cap=event.cap)
                try:
                    await self._alerts.spend_cap_reached(event)
                except Exception as exc:  # noqa: BLE001 - the ledger must outlive its alerts
                    log.error("spend_cap_alert_failed", error=repr(exc))
