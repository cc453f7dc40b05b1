"""RetryPolicy: which failures retry, how long it waits, and when it gives up."""

from __future__ import annotations

import asyncio
import traceback

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vinbot.clients.retry import RetryableFailure, RetryPolicy
from vinbot.models.errors import ProviderQuotaExhausted, ProviderUnavailable, VinNotFound


class FakeTime:
    """A monotonic clock that only moves when the policy sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Upstream:
    """An operation that fails with the queued errors, then answers "ok"."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def status(code: int) -> RetryableFailure:
    return RetryableFailure("carsxe", f"HTTP {code}", status=code)


def timeout() -> RetryableFailure:
    return RetryableFailure("carsxe", "timeout (ReadTimeout)")


def policy(time: FakeTime, **overrides: object) -> RetryPolicy:
    settings: dict[str, object] = {
        "attempts": 4,
        "base_delay": 0.5,
        "max_delay": 4.0,
        "deadline": 30.0,
        "sleep": time.sleep,
        "clock": time.clock,
        "random": lambda: 1.0,
    }
    settings.update(overrides)
    return RetryPolicy(**settings)  # type: ignore[arg-type]


def chain_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


async def test_first_success_needs_no_sleep() -> None:
    """A call that succeeds at once is made once and never waits."""
    time = FakeTime()
    upstream = Upstream()

    assert await policy(time).run(upstream, provider="carsxe") == "ok"
    assert (upstream.calls, time.sleeps) == (1, [])


@pytest.mark.parametrize("code", [502, 503, 504])
async def test_gateway_errors_retry_until_success(code: int) -> None:
    """502, 503 and 504 are retried with growing backoff until the upstream answers."""
    time = FakeTime()
    upstream = Upstream(status(code), status(code))

    assert await policy(time).run(upstream, provider="carsxe") == "ok"
    assert upstream.calls == 3
    assert time.sleeps == [0.5, 1.0]


async def test_timeouts_and_connection_errors_retry() -> None:
    """Failures without a status (timeouts, refused connections) are retried."""
    time = FakeTime()
    refused = RetryableFailure("nhtsa", "connection failed (ConnectError)")
    upstream = Upstream(timeout(), refused)

    assert await policy(time).run(upstream, provider="nhtsa") == "ok"
    assert upstream.calls == 3


async def test_500_is_retried_only_once() -> None:
    """A 500 gets one more try, and a second 500 ends the call."""
    time = FakeTime()
    upstream = Upstream(status(500), status(500), status(500))

    with pytest.raises(ProviderUnavailable, match="HTTP 500") as caught:
        await policy(time).run(upstream, provider="carsxe")
    assert upstream.calls == 2
    assert type(caught.value) is ProviderUnavailable


async def test_500_once_then_success() -> None:
    """A single 500 followed by an answer succeeds on the second call."""
    time = FakeTime()
    upstream = Upstream(status(500))

    assert await policy(time).run(upstream, provider="carsxe") == "ok"
    assert upstream.calls == 2


async def test_quota_exhausted_is_never_retried() -> None:
    """A 429 (ProviderQuotaExhausted) propagates after exactly one call."""
    time = FakeTime()
    upstream = Upstream(ProviderQuotaExhausted("carsxe", "quota exhausted (HTTP 429)"))

    with pytest.raises(ProviderQuotaExhausted):
        await policy(time).run(upstream, provider="carsxe")
    assert (upstream.calls, time.sleeps) == (1, [])


async def test_not_found_is_never_retried() -> None:
    """VinNotFound propagates unchanged after one call."""
    time = FakeTime()
    upstream = Upstream(VinNotFound("carsxe"))

    with pytest.raises(VinNotFound):
        await policy(time).run(upstream, provider="carsxe")
    assert upstream.calls == 1


async def test_unlisted_status_is_not_retried() -> None:
    """A 5xx outside the retry lists (501) fails after one call."""
    time = FakeTime()
    upstream = Upstream(status(501))

    with pytest.raises(ProviderUnavailable, match="HTTP 501"):
        await policy(time).run(upstream, provider="carsxe")
    assert upstream.calls == 1


async def test_attempts_are_capped() -> None:
    """A failure that never clears stops after `attempts` calls."""
    time = FakeTime()
    upstream = Upstream(*[status(503)] * 10)

    with pytest.raises(ProviderUnavailable, match=r"after 4 attempts"):
        await policy(time).run(upstream, provider="carsxe")
    assert upstream.calls == 4
    assert len(time.sleeps) == 3


async def test_gives_up_instead_of_sleeping_past_the_deadline() -> None:
    """When the next backoff would end past the deadline the call fails now, inside the deadline."""
    time = FakeTime()
    upstream = Upstream(*[status(503)] * 10)
    retry = policy(time, attempts=10, base_delay=1.0, max_delay=8.0, deadline=5.0)

    with pytest.raises(ProviderUnavailable):
        await retry.run(upstream, provider="carsxe")
    assert time.sleeps == [1.0, 2.0]
    assert time.now <= 5.0
    assert upstream.calls == 3


async def test_slow_attempt_is_cut_at_the_deadline() -> None:
    """An attempt that hangs is cancelled when the overall deadline passes."""

    async def hang() -> str:
        await asyncio.sleep(10)
        return "late"

    retry = RetryPolicy(deadline=0.05)
    with pytest.raises(ProviderUnavailable, match="no answer within") as caught:
        await retry.run(hang, provider="nhtsa")
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


async def test_final_error_chains_nothing() -> None:
    """The error raised after retries carries no link to the attempts' exceptions."""
    time = FakeTime()
    upstream = Upstream(*[RetryableFailure("carsxe", "timeout", status=None)] * 4)

    with pytest.raises(ProviderUnavailable) as caught:
        await policy(time).run(upstream, provider="carsxe")
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert chain_text(caught.value).count("Traceback") == 1


@given(
    retry_number=st.integers(min_value=1, max_value=40),
    draw=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_full_jitter_stays_within_bounds(retry_number: int, draw: float) -> None:
    """Every backoff lies in [0, min(max_delay, base_delay * 2**(n-1))]."""
    retry = RetryPolicy(base_delay=0.25, max_delay=2.0, random=lambda: draw)

    delay = retry.backoff(retry_number)

    assert 0.0 <= delay <= min(2.0, 0.25 * 2 ** (retry_number - 1))


def test_jitter_uses_the_injected_random_source() -> None:
    """The delay is the random draw times the exponential ceiling."""
    retry = RetryPolicy(base_delay=0.25, max_delay=2.0, random=lambda: 0.5)

    assert [retry.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.125, 0.25, 0.5, 1.0, 1.0]


@pytest.mark.parametrize(
    "settings", [{"attempts": 0}, {"deadline": 0.0}, {"base_delay": -1.0}, {"max_delay": -0.5}]
)
def test_rejects_nonsense_settings(settings: dict[str, float]) -> None:
    """Zero attempts, a zero deadline or negative delays are configuration errors."""
    with pytest.raises(ValueError, match="must be"):
        RetryPolicy(**settings)  # type: ignore[arg-type]
