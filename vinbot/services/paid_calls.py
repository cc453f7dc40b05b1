"""The one place paid upstream calls are allowed and counted, whatever feature makes them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from vinbot.logs import get_logger

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from vinbot.models.records import CapEvent, QuotaDecision, QuotaReason
    from vinbot.services.quota import PaidSlot, QuotaService

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
    """Paid calls the quotas allowed (`calls`, usually one), already counted in the database
    until settled."""

    __slots__ = ("_settle", "_settled", "calls", "slot", "user_id")

    def __init__(self, slot: PaidSlot, settle: Callable[[PaidSlot, int], None]) -> None:
        self.user_id = slot.user_id
        self.calls = slot.calls
        self.slot = slot
        self._settle = settle
        self._settled = False

    def settle(self, *, paid: bool) -> None:
        """Every call was made (they stay counted) or none (the allowance returns).

        Only the first settle counts, so a `finally: settle(paid=False)` after a charge is safe.
        """
        self.settle_made(self.calls if paid else 0)

    def settle_made(self, made: int) -> None:
        """`made` of the calls were made and stay counted; the others' allowance returns.

        Only the first settle counts, as with settle().
        """
        if not 0 <= made <= self.calls:
            raise ValueError(f"made {made} of {self.calls} reserved calls")
        if not self._settled:
            self._settled = True
            self._settle(self.slot, made)


class PaidCallGate:
    """Reserves paid calls against the quotas: one conditional increment in the database per
    reservation (of one call, or of several all-or-nothing), so several processes share the
    quotas; nothing is remembered here.

    Settling is synchronous (it runs in `finally` blocks): the database work it needs (giving
    an unused allowance back, the once-a-month cap alert) runs in tasks this gate owns and
    awaits in flush() and aclose().
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
        self._tasks: set[asyncio.Task[None]] = set()

    async def reserve(
        self, user_id: int, *, is_admin: bool, calls: int = 1
    ) -> tuple[QuotaDecision, Reservation | None]:
        """Whether this user may cause `calls` paid calls now (all of them, or none is
        reserved) and, if so, the reservation to settle."""
        decision, slot = await self._quota.reserve(user_id, is_admin=is_admin, calls=calls)
        if slot is None:
            return decision, None
        return decision, Reservation(slot, self._settle)

    async def remaining(self, user_id: int, *, is_admin: bool) -> tuple[int, QuotaReason] | None:
        """Paid calls this user may still cause now, and which limit that is; None when no
        limit applies."""
        return await self._quota.remaining(user_id, is_admin=is_admin)

    def _settle(self, slot: PaidSlot, made: int) -> None:
        for _ in range(made):
            self._counter.paid_call()
        unused = slot.calls - made
        if unused:
            alert = made > 0 and slot.reaches_cap
            self._start(self._release(slot, unused, alert=alert), "paid-call-release")
        elif slot.reaches_cap:
            self._start(self._alert_if_first(slot), "spend-cap-alert")

    def _start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _release(self, slot: PaidSlot, unused: int, *, alert: bool) -> None:
        try:
            await self._quota.release(slot, unused)
        except Exception as exc:  # noqa: BLE001 - the allowance stays spent; nothing else breaks
            log.error("paid_call_not_released", user_id=slot.user_id, error=repr(exc))
        if alert:  # after the release: the cap is reached only if the calls made reach it
            await self._alert_if_first(slot)

    async def _alert_if_first(self, slot: PaidSlot) -> None:
        try:
            event = await self._quota.cap_reached(slot)
            if event is None:
                return
            log.warning("spend_cap_reached", month=event.month, cap=event.cap)
            await self._alerts.spend_cap_reached(event)
        except Exception as exc:  # noqa: BLE001 - an alert must not break a lookup
            log.error("spend_cap_alert_failed", error=repr(exc))

    async def flush(self) -> None:
        """Wait until every allowance given back and every alert started so far is done."""
        # Only unfinished tasks: a finished one stays in _tasks until its done callback runs,
        # and gather of finished tasks completes without yielding, so waiting on it would spin
        # without ever letting that callback (or anything else) run.
        while unfinished := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*unfinished)

    async def aclose(self) -> None:
        """Finish what was started (waiting up to close_wait)."""
        if not self._tasks:
            return
        try:
            async with asyncio.timeout(self._close_wait):
                await self.flush()
        except TimeoutError:
            log.error("paid_call_work_abandoned", tasks=len(self._tasks))
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
