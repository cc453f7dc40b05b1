"""SingleFlight: one call per key, shared results and errors, a cancelled caller replaced."""

from __future__ import annotations

import asyncio

import pytest

from vinbot.services.single_flight import SingleFlight


class Upstream:
    """Counts calls and answers when released."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.error: Exception | None = None

    async def fetch(self) -> str:
        self.calls += 1
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return f"answer {self.calls}"


async def test_concurrent_callers_share_one_call_and_only_the_first_made_it() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    upstream = Upstream()
    callers = [asyncio.ensure_future(flights.run("vin", upstream.fetch)) for _ in range(20)]
    await asyncio.sleep(0)
    upstream.release.set()

    outcomes = await asyncio.gather(*callers)

    assert upstream.calls == 1
    assert outcomes[0] == ("answer 1", False)
    assert set(outcomes[1:]) == {("answer 1", True)}


async def test_different_keys_do_not_share() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    upstream = Upstream()
    upstream.release.set()

    await asyncio.gather(flights.run("a", upstream.fetch), flights.run("b", upstream.fetch))

    assert upstream.calls == 2


async def test_a_later_caller_makes_a_new_call() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    upstream = Upstream()
    upstream.release.set()

    first = await flights.run("vin", upstream.fetch)
    second = await flights.run("vin", upstream.fetch)

    assert (first, second) == (("answer 1", False), ("answer 2", False))


async def test_an_error_reaches_every_caller() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    upstream = Upstream()
    upstream.error = LookupError("upstream said no")
    callers = [asyncio.ensure_future(flights.run("vin", upstream.fetch)) for _ in range(3)]
    await asyncio.sleep(0)
    upstream.release.set()

    outcomes = await asyncio.gather(*callers, return_exceptions=True)

    assert upstream.calls == 1
    assert all(isinstance(outcome, LookupError) for outcome in outcomes)


async def test_an_error_nobody_waits_for_is_not_reported_as_lost() -> None:
    """filterwarnings=error would turn asyncio's "exception never retrieved" into a failure."""
    flights: SingleFlight[str, str] = SingleFlight()
    upstream = Upstream()
    upstream.error = LookupError("no")
    upstream.release.set()

    with pytest.raises(LookupError):
        await flights.run("vin", upstream.fetch)


async def test_when_the_caller_making_the_call_is_cancelled_a_waiting_one_takes_over() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    upstream = Upstream()
    leader = asyncio.ensure_future(flights.run("vin", upstream.fetch))
    await asyncio.sleep(0)
    follower = asyncio.ensure_future(flights.run("vin", upstream.fetch))
    await asyncio.sleep(0)

    leader.cancel()
    await asyncio.sleep(0)
    upstream.release.set()

    assert await follower == ("answer 2", False)
    assert leader.cancelled()
    assert upstream.calls == 2
