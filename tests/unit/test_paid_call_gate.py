"""The paid-call gate: settling is synchronous, its database work runs in tasks the gate owns."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from dataclasses import dataclass, field

import pytest
import structlog

from vinbot.models.records import CapEvent, QuotaDecision
from vinbot.services.paid_calls import PaidCallGate
from vinbot.services.quota import PaidSlot

DAY = dt.date(2026, 11, 5)


@dataclass
class FakeQuota:
    """Allows every call; the first slot reaches the cap; release and alert can fail or stall."""

    released: list[PaidSlot] = field(default_factory=list)
    fail_release: bool = False
    fail_claim: bool = False
    stall: asyncio.Event | None = None
    reserved: int = 0
    claimed_after_releases: list[int] = field(default_factory=list)  # releases before each claim

    async def reserve(
        self, user_id: int, *, is_admin: bool, calls: int = 1
    ) -> tuple[QuotaDecision, PaidSlot]:
        self.reserved += 1
        slot = PaidSlot(user_id, DAY, "2026-11", self.reserved == 1, calls)
        return QuotaDecision(allowed=True), slot

    async def release(self, slot: PaidSlot, calls: int) -> None:
        if self.stall is not None:
            await self.stall.wait()
        if self.fail_release:
            raise OSError("disk I/O error")
        self.released.extend([slot] * calls)

    async def cap_reached(self, slot: PaidSlot) -> CapEvent | None:
        self.claimed_after_releases.append(len(self.released))
        if self.fail_claim:
            raise OSError("disk I/O error")
        return CapEvent("2026-11", 1, 1, dt.datetime.now(dt.UTC)) if slot.reaches_cap else None


@dataclass
class Recorder:
    paid: int = 0
    events: list[CapEvent] = field(default_factory=list)

    def paid_call(self) -> None:
        self.paid += 1

    async def spend_cap_reached(self, event: CapEvent) -> None:
        self.events.append(event)


async def test_a_call_reaching_the_cap_alerts_and_an_unused_one_is_released() -> None:
    """Paid with the cap-reaching slot: one alert; settled unpaid: released once, by flush."""
    quota, recorder = FakeQuota(), Recorder()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]
    _, first = await gate.reserve(1, is_admin=False)
    _, second = await gate.reserve(2, is_admin=False)
    assert first is not None
    assert second is not None
    first.settle(paid=True)
    second.settle(paid=False)
    second.settle(paid=True)  # only the first settle counts
    await gate.flush()
    assert recorder.paid == 1
    assert [event.month for event in recorder.events] == ["2026-11"]
    assert [slot.user_id for slot in quota.released] == [2]
    await gate.aclose()


async def test_a_reservation_of_two_keeps_the_calls_made_and_releases_the_rest() -> None:
    """One call made of a cap-reaching pair: counted once, the other released before the cap
    is claimed (so the claim sees the count without it); a second pair made whole is kept."""
    quota, recorder = FakeQuota(), Recorder()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]
    _, pair = await gate.reserve(1, is_admin=False, calls=2)
    _, whole = await gate.reserve(2, is_admin=False, calls=2)
    assert pair is not None
    assert whole is not None
    assert (pair.calls, whole.calls) == (2, 2)
    with pytest.raises(ValueError, match="made 3 of 2"):
        pair.settle_made(3)
    pair.settle_made(1)
    whole.settle(paid=True)
    await gate.flush()
    assert recorder.paid == 3
    assert [slot.user_id for slot in quota.released] == [1]
    assert quota.claimed_after_releases == [1]
    await gate.aclose()


async def test_failing_database_work_is_logged_and_the_gate_goes_on() -> None:
    """A release or a cap claim that raises is logged; the next reservation still works."""
    quota, recorder = FakeQuota(fail_release=True, fail_claim=True), Recorder()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]
    with structlog.testing.capture_logs() as logs:
        _, first = await gate.reserve(1, is_admin=False)
        assert first is not None
        first.settle(paid=True)
        _, second = await gate.reserve(2, is_admin=False)
        assert second is not None
        second.settle(paid=False)
        await gate.flush()
    events = {entry["event"] for entry in logs}
    assert {"spend_cap_alert_failed", "paid_call_not_released"} <= events
    decision, third = await gate.reserve(3, is_admin=False)
    assert decision.allowed
    assert third is not None
    await gate.aclose()


async def test_aclose_gives_up_on_work_that_outlasts_close_wait() -> None:
    """A release still stalled when close_wait runs out is cancelled and logged, not awaited."""
    quota, recorder = FakeQuota(stall=asyncio.Event()), Recorder()
    gate = PaidCallGate(quota, counter=recorder, alerts=recorder, close_wait=0.01)  # type: ignore[arg-type]
    _, reservation = await gate.reserve(1, is_admin=False)
    assert reservation is not None
    reservation.settle(paid=False)
    with structlog.testing.capture_logs() as logs:
        await gate.aclose()
    assert [entry["event"] for entry in logs] == ["paid_call_work_abandoned"]
    assert quota.released == []


def test_aclose_right_after_a_release_finished_returns() -> None:
    """aclose while a finished task still waits for its done callback returns at once instead
    of spinning on it without ever yielding to the event loop."""
    closed = threading.Event()
    quota, recorder = FakeQuota(), Recorder()

    async def release_then_close() -> None:
        gate = PaidCallGate(quota, counter=recorder, alerts=recorder)  # type: ignore[arg-type]
        _, reservation = await gate.reserve(1, is_admin=False)
        assert reservation is not None
        reservation.settle(paid=False)
        await asyncio.sleep(0)  # the release task runs to its end; its done callback is queued
        await gate.aclose()
        closed.set()

    # A loop of its own in a thread: asyncio.timeout cannot bound code that never yields.
    threading.Thread(target=asyncio.run, args=(release_then_close(),), daemon=True).start()
    assert closed.wait(timeout=30)
    assert [slot.user_id for slot in quota.released] == [1]
