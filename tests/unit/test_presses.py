"""A press's shared claim is renewed while it is handled, for a bounded time, then given back."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import TYPE_CHECKING

from vinbot.services.presses import PressesInFlight

if TYPE_CHECKING:
    from collections.abc import Callable

PRESS = (7, 70, 5, "r:1HGCM82633A004352:sig")
SETTLE = 10.0


class CountingClaims:
    """A shared store that grants every claim and counts what it was asked."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    async def take(self, name: str) -> bool:
        self.calls["take"] += 1
        return True

    async def give_back(self, name: str) -> None:
        self.calls["give_back"] += 1


async def until(condition: Callable[[], bool]) -> None:
    """Wait (bounded) until the callable condition holds."""
    async with asyncio.timeout(SETTLE):
        while not condition():
            await asyncio.sleep(0.005)


async def test_a_long_press_keeps_renewing_its_claim_until_it_ends() -> None:
    """While the press is handled its claim is taken again; at the end it is given back once and
    no renewal follows."""
    claims = CountingClaims()
    presses = PressesInFlight(claims, renew_every=0.01, hold_at_most=60.0)
    async with presses.claim(PRESS) as first:
        assert first
        await until(lambda: claims.calls["take"] >= 3)  # the claim, 2 renewals
    taken = claims.calls["take"]
    await asyncio.sleep(0.05)
    assert claims.calls == Counter(take=taken, give_back=1)


async def test_renewals_stop_after_the_longest_an_update_may_take() -> None:
    """A press handled for longer than hold_at_most is renewed hold_at_most / renew_every times."""
    claims = CountingClaims()
    presses = PressesInFlight(claims, renew_every=0.01, hold_at_most=0.03)
    async with presses.claim(PRESS):
        await until(lambda: claims.calls["take"] == 4)  # the claim, 3 renewals
        await asyncio.sleep(0.05)
        assert claims.calls["take"] == 4
