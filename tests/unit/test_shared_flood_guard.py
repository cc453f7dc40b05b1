"""The flood guard counted in a store every instance sees, and its fallback when that fails."""

from __future__ import annotations

from vinbot.cache.memory import MemoryCache
from vinbot.services.flood_guard import FloodGuard, SharedFloodGuard, StoreWindowCounter


class Clock:
    """Wall-clock seconds that move only when told to."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class BrokenCounter:
    """A counter whose store is down."""

    async def hit(self, user_id: int, window: int, window_seconds: float) -> int | None:
        raise ConnectionError

    async def first_notice(
        self, user_id: int, window: int, where: str, window_seconds: float
    ) -> bool | None:
        raise ConnectionError


async def test_two_instances_share_one_budget() -> None:
    """Attempts on either instance count against one per-minute budget."""
    clock = Clock(1_700_000_000.0 - 1_700_000_000.0 % 60)
    store = MemoryCache()
    first = SharedFloodGuard(3, StoreWindowCounter(store), clock=clock)
    second = SharedFloodGuard(3, StoreWindowCounter(store), clock=clock)

    allowed = [(await guard.admit(7)).allowed for guard in (first, second, first)]
    refused = await second.admit(7)

    assert allowed == [True, True, True]
    assert not refused.allowed
    assert refused.retry_after == 60
    assert (await first.admit(8)).allowed  # another user has their own budget


async def test_each_place_is_told_once_across_instances() -> None:
    """The first refusal in each place says so once, whichever instance refuses."""
    clock = Clock(1_700_000_040.0)
    store = MemoryCache()
    first = SharedFloodGuard(1, StoreWindowCounter(store), clock=clock)
    second = SharedFloodGuard(1, StoreWindowCounter(store), clock=clock)
    await first.admit(7)

    chat = [(await guard.admit(7)).first_refusal for guard in (first, second, first)]
    button = [(await guard.admit(7, "button")).first_refusal for guard in (second, first)]

    assert chat == [True, False, False]
    assert button == [True, False]


async def test_the_next_minute_starts_afresh() -> None:
    """Refused attempts do not carry over: the next window allows again and tells again."""
    clock = Clock(1_700_000_040.0)
    guard = SharedFloodGuard(1, StoreWindowCounter(MemoryCache()), clock=clock)
    await guard.admit(7)
    refused = await guard.admit(7)
    clock.now += refused.retry_after

    assert (await guard.admit(7)).allowed
    assert (await guard.admit(7)).first_refusal


async def test_a_broken_store_falls_back_to_the_local_guard() -> None:
    """When the store fails, this process's own guard decides, so nobody is blocked by it."""
    local = FloodGuard(2)
    guard = SharedFloodGuard(2, BrokenCounter(), fallback=local)

    decisions = [(await guard.admit(7)).allowed for _ in range(3)]

    assert decisions == [True, True, False]


async def test_zero_turns_the_shared_guard_off() -> None:
    """A limit of 0 allows everything without asking the store."""
    guard = SharedFloodGuard(0, BrokenCounter())

    assert not guard.enabled
    assert (await guard.admit(7)).allowed
