"""CircuitBreaker: which outcomes count, when it opens, and how it recovers."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from vinbot.clients.breaker import BreakerState, CircuitBreaker
from vinbot.clients.retry import RetryableFailure
from vinbot.clients.wire import RejectedRequest
from vinbot.models.errors import (
    CIRCUIT_OPEN,
    BadProviderResponse,
    ProviderAuthError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    VinNotFound,
)


class FakeClock:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Upstream:
    """Counts calls; raises `error` when set, else answers "ok"."""

    def __init__(self) -> None:
        self.calls = 0
        self.error: BaseException | None = None

    async def __call__(self) -> str:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return "ok"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(
        "carsxe", failure_threshold=3, cooldown=30.0, quota_cooldown=600.0, clock=clock
    )


async def fail(breaker: CircuitBreaker, upstream: Upstream, error: BaseException) -> None:
    upstream.error = error
    with pytest.raises(type(error)):
        await breaker.call(upstream)


def state(breaker: CircuitBreaker) -> BreakerState:
    """The state read afresh, so a type checker does not carry narrowing across clock moves."""
    return breaker.state


def outage() -> ProviderUnavailable:
    return RetryableFailure("carsxe", "HTTP 503", status=503)


async def test_starts_closed_and_passes_results_through(breaker: CircuitBreaker) -> None:
    """A new breaker is closed and returns what the call returns."""
    upstream = Upstream()

    assert state(breaker) is BreakerState.CLOSED
    assert await breaker.call(upstream) == "ok"


async def test_opens_after_consecutive_failures(breaker: CircuitBreaker) -> None:
    """The threshold's worth of consecutive failures opens the circuit."""
    upstream = Upstream()
    for _ in range(2):
        await fail(breaker, upstream, outage())
    assert state(breaker) is BreakerState.CLOSED

    await fail(breaker, upstream, outage())

    assert state(breaker) is BreakerState.OPEN
    assert str(state(breaker)) == "open"


async def test_open_circuit_fails_fast_without_calling(breaker: CircuitBreaker) -> None:
    """While open, calls raise ProviderUnavailable("circuit open") and never reach the upstream."""
    upstream = Upstream()
    for _ in range(3):
        await fail(breaker, upstream, BadProviderResponse("carsxe", "body is not JSON"))
    upstream.error = None

    with pytest.raises(ProviderUnavailable) as caught:
        await breaker.call(upstream)

    assert caught.value.reason == CIRCUIT_OPEN
    assert upstream.calls == 3


async def test_success_resets_the_failure_count(breaker: CircuitBreaker) -> None:
    """Failures separated by a success are not consecutive and do not open the circuit."""
    upstream = Upstream()
    for _ in range(2):
        await fail(breaker, upstream, outage())
    upstream.error = None
    await breaker.call(upstream)
    for _ in range(2):
        await fail(breaker, upstream, outage())

    assert state(breaker) is BreakerState.CLOSED
    assert breaker.consecutive_failures == 2


@pytest.mark.parametrize(
    "error",
    [
        VinNotFound("carsxe"),
        ProviderAuthError("carsxe", "credentials rejected (HTTP 401)"),
        RejectedRequest("carsxe", 405),
    ],
)
async def test_answers_from_a_live_upstream_do_not_count(
    breaker: CircuitBreaker, error: BaseException
) -> None:
    """VinNotFound and 4xx refusals mean the upstream is up: they never open the circuit."""
    upstream = Upstream()
    for _ in range(10):
        await fail(breaker, upstream, error)

    assert state(breaker) is BreakerState.CLOSED
    assert breaker.consecutive_failures == 0


async def test_quota_exhaustion_opens_at_once_for_the_quota_cooldown(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    """A single 429 opens the circuit, and it stays open for the longer quota cool-down."""
    upstream = Upstream()
    await fail(breaker, upstream, ProviderQuotaExhausted("carsxe", "quota exhausted (HTTP 429)"))

    assert state(breaker) is BreakerState.OPEN
    clock.now += 599.0
    assert state(breaker) is BreakerState.OPEN
    clock.now += 1.0
    assert state(breaker) is BreakerState.HALF_OPEN


async def test_half_open_success_closes(breaker: CircuitBreaker, clock: FakeClock) -> None:
    """After the cool-down one trial call goes through, and its success closes the circuit."""
    upstream = Upstream()
    for _ in range(3):
        await fail(breaker, upstream, outage())
    clock.now += 30.0
    assert state(breaker) is BreakerState.HALF_OPEN
    upstream.error = None

    with capture_logs() as logs:
        assert await breaker.call(upstream) == "ok"

    assert state(breaker) is BreakerState.CLOSED
    assert [e["event"] for e in logs] == ["circuit_half_open", "circuit_closed"]


async def test_half_open_failure_reopens_for_a_new_cooldown(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    """A failed trial opens the circuit again, for a full cool-down from now."""
    upstream = Upstream()
    for _ in range(3):
        await fail(breaker, upstream, outage())
    clock.now += 30.0

    await fail(breaker, upstream, outage())

    assert state(breaker) is BreakerState.OPEN
    clock.now += 29.0
    assert state(breaker) is BreakerState.OPEN
    clock.now += 1.0
    assert state(breaker) is BreakerState.HALF_OPEN


async def test_half_open_admits_a_single_trial(breaker: CircuitBreaker, clock: FakeClock) -> None:
    """While the trial call is in flight, other calls fail fast."""
    for _ in range(3):
        await fail(breaker, Upstream(), outage())
    clock.now += 30.0
    release = asyncio.Event()

    async def slow_trial() -> str:
        await release.wait()
        return "ok"

    trial = asyncio.create_task(breaker.call(slow_trial))
    await asyncio.sleep(0)
    second = Upstream()
    with pytest.raises(ProviderUnavailable, match=CIRCUIT_OPEN):
        await breaker.call(second)
    release.set()

    assert await trial == "ok"
    assert second.calls == 0
    assert state(breaker) is BreakerState.CLOSED


async def test_cancelled_trial_lets_another_trial_go(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    """A cancelled trial teaches nothing, so the next call may try again."""
    for _ in range(3):
        await fail(breaker, Upstream(), outage())
    clock.now += 30.0

    async def hang() -> str:
        await asyncio.sleep(10)
        return "late"

    trial = asyncio.create_task(breaker.call(hang))
    await asyncio.sleep(0)
    trial.cancel()
    with pytest.raises(asyncio.CancelledError):
        await trial

    assert state(breaker) is BreakerState.HALF_OPEN
    assert await breaker.call(Upstream()) == "ok"


async def test_opening_is_logged_with_the_reason(breaker: CircuitBreaker) -> None:
    """Opening the circuit logs a circuit_opened warning naming the provider and why."""
    with capture_logs() as logs:
        await fail(breaker, Upstream(), ProviderQuotaExhausted("carsxe", "quota exhausted"))

    assert logs == [
        {
            "event": "circuit_opened",
            "log_level": "warning",
            "provider": "carsxe",
            "reason": "quota exhausted",
            "consecutive_failures": 0,
            "cooldown_s": 600.0,
        }
    ]


def test_rejects_nonsense_settings() -> None:
    """A zero threshold or a negative cool-down is a configuration error."""
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker("nhtsa", failure_threshold=0)
    with pytest.raises(ValueError, match="cooldown"):
        CircuitBreaker("nhtsa", cooldown=-1.0)
