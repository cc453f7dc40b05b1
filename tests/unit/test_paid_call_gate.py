"""The paid-call gate: counts off the reply's path, pending calls still count, cap alerts once."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vinbot.models.records import CapEvent, QuotaDecision
from vinbot.services.paid_calls import PaidCallGate

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass
class SlowQuota:
    """A quota that allows `limit` calls per user, writes slowly, and reports the cap once."""

    limit: int = 2
    written: dict[int, int] = field(default_factory=dict)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    cap_at: int = 3
    total: int = 0
    writes: list[dict[int, int]] = field(default_factory=list)
    fail_next: bool = False

    async def prime(self, user_id: int) -> None:
        """Counts are in memory here: nothing to read."""

    def remember_unwritten(self, calls: Mapping[int, int]) -> None:
        """A failed write: nothing to remember in this fake."""

    async def check(
        self, user_id: int, *, is_admin: bool, pending_user: int = 0, pending_total: int = 0
    ) -> QuotaDecision:
        used = self.written.get(user_id, 0) + pending_user
        return QuotaDecision(allowed=is_admin or used < self.limit)

    async def record_paid_calls(self, calls: Mapping[int, int]) -> CapEvent | None:
        await self.release.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk I/O error")
        self.writes.append(dict(calls))
        before = self.total
        for user_id, count in calls.items():
            self.written[user_id] = self.written.get(user_id, 0) + count
            self.total += count
        if before < self.cap_at <= self.total:
            return CapEvent("2026-11", self.cap_at, self.total, dt.datetime.now(dt.UTC))
        return None


@dataclass
class Recorder:
    paid: int = 0
    events: list[CapEvent] = field(default_factory=list)

    def paid_call(self) -> None:
        self.paid += 1

    async def spend_cap_reached(self, event: CapEvent) -> None:
        self.events.append(event)


async def charge(gate: PaidCallGate, user_id: int) -> None:
    """A paid call made for the user: reserved (as an admin, so never refused), then settled."""
    _, reservation = await gate.reserve(user_id, is_admin=True)
    assert reservation is not None
    reservation.settle(paid=True)


async def allowed(gate: PaidCallGate, user_id: int) -> bool:
    """Whether a reservation would be granted now (it is given back at once)."""
    _, reservation = await gate.reserve(user_id, is_admin=False)
    if reservation is None:
        return False
    reservation.settle(paid=False)
    return True


async def test_charge_returns_at_once_and_pending_calls_count() -> None:
    """A charge does not wait for the write, yet the next reservation already counts it."""
    quota, recorder = SlowQuota(), Recorder()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]
    await charge(gate, 1)
    await charge(gate, 1)
    assert quota.written == {}
    assert not await allowed(gate, 1)
    assert await allowed(gate, 2)
    quota.release.set()
    await gate.flush()
    assert quota.written == {1: 2}
    assert recorder.paid == 2
    await gate.aclose()


async def test_cap_alert_is_sent_once_from_the_ledger() -> None:
    """The call that reaches the cap alerts the admins once; closing drains the queue."""
    quota, recorder = SlowQuota(cap_at=3), Recorder()
    quota.release.set()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]
    for user in range(5):
        await charge(gate, user)
    await gate.aclose()
    assert quota.total == 5
    assert len(recorder.events) == 1


async def test_calls_made_during_a_write_are_written_together() -> None:
    """One write per burst, not per call: the ledger takes what queued while it was busy."""
    quota, recorder = SlowQuota(limit=100, cap_at=1000), Recorder()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]
    await charge(gate, 1)
    await asyncio.sleep(0)  # the ledger takes the first call and waits in its write
    for user in (1, 2, 2, 3):
        await charge(gate, user)
    quota.release.set()
    await gate.flush()
    assert quota.writes == [{1: 1}, {1: 1, 2: 2, 3: 1}]
    assert await allowed(gate, 2)
    await gate.aclose()


async def test_a_failed_write_is_logged_and_the_ledger_goes_on() -> None:
    """The calls of a failed write stop counting as pending; later calls are still written."""
    quota, recorder = SlowQuota(limit=1), Recorder()
    quota.fail_next = True
    quota.release.set()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]
    await charge(gate, 1)
    await gate.flush()
    assert quota.written == {}
    assert await allowed(gate, 1)
    await charge(gate, 2)
    await gate.flush()
    assert quota.written == {2: 1}
    await gate.aclose()


async def test_a_failing_cap_alert_does_not_stop_the_ledger() -> None:
    """The alert raising (not a Telegram error) is logged; later calls are still written."""

    class BrokenAlerts(Recorder):
        async def spend_cap_reached(self, event: CapEvent) -> None:
            raise RuntimeError("bot not ready")

    quota, alerts = SlowQuota(limit=100, cap_at=1), BrokenAlerts()
    quota.release.set()
    gate = PaidCallGate(quota, counter=alerts, alerts=alerts)  # type: ignore[arg-type]
    await charge(gate, 1)
    await gate.flush()
    await charge(gate, 2)
    async with asyncio.timeout(5):
        await gate.flush()

    assert quota.written == {1: 1, 2: 1}
    await gate.aclose()


async def test_concurrent_reservations_cannot_all_pass_one_check() -> None:
    """Eight lookups at once by a user with 2 calls left: 2 reservations, 6 refusals."""
    quota, recorder = SlowQuota(limit=2), Recorder()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]

    outcomes = await asyncio.gather(*(gate.reserve(1, is_admin=False) for _ in range(8)))

    reservations = [r for _, r in outcomes if r is not None]
    assert len(reservations) == 2
    for reservation in reservations:
        reservation.settle(paid=False)
    assert await allowed(gate, 1)
    await gate.aclose()


async def test_a_reservation_counts_once_however_often_it_is_settled() -> None:
    quota, recorder = SlowQuota(limit=1), Recorder()
    quota.release.set()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]
    _, reservation = await gate.reserve(1, is_admin=False)
    assert reservation is not None
    assert not await allowed(gate, 1)

    reservation.settle(paid=True)
    reservation.settle(paid=False)
    reservation.settle(paid=True)
    await gate.flush()

    assert quota.written == {1: 1}
    assert recorder.paid == 1
    await gate.aclose()


async def test_a_call_settled_after_shutdown_starts_no_ledger_task() -> None:
    """A decode finishing during shutdown cannot start a writer nobody would await."""
    quota, recorder = SlowQuota(limit=5), Recorder()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]
    _, reservation = await gate.reserve(1, is_admin=False)
    assert reservation is not None
    await gate.aclose()

    reservation.settle(paid=True)

    assert not [t for t in asyncio.all_tasks() if t.get_name() == "paid-call-ledger"]
    assert quota.written == {}
