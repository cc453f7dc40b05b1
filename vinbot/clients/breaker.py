"""A circuit breaker per upstream, so a dead provider costs nothing while it stays dead."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import TYPE_CHECKING

from vinbot.clients.wire import RejectedRequest
from vinbot.logs import get_logger
from vinbot.models.errors import (
    CIRCUIT_OPEN,
    ProviderAuthError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    VinNotFound,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

# The upstream answered, so it is up: these outcomes close the circuit like a success.
_ANSWERED = (VinNotFound, ProviderAuthError, RejectedRequest)


class BreakerState(StrEnum):
    """Where the circuit stands; the values appear in /stats and metrics."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Closed until `failure_threshold` consecutive failed calls, then open for `cooldown` seconds.

    After the cool-down one trial call goes through (half-open): success closes the circuit, a
    failure opens it again. While open, and while the trial is in flight, calls fail at once with
    ProviderUnavailable("circuit open"). 5xx, timeouts and garbage count as failures; a 429 opens
    the circuit at once for `quota_cooldown`; VinNotFound and other 4xx answers count as successes.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        cooldown: float = 30.0,
        quota_cooldown: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or cooldown < 0:
            raise ValueError("failure_threshold must be >= 1 and cooldown >= 0")
        self.name = name
        self._threshold = failure_threshold
        self._cooldown = cooldown
        self._quota_cooldown = cooldown if quota_cooldown is None else quota_cooldown
        self._clock = clock
        self._log = get_logger(__name__)
        self._failures = 0
        self._open_until: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        """Closed, open, or half-open (the cool-down is over and a trial call may go)."""
        if self._open_until is None:
            return BreakerState.CLOSED
        if self._clock() < self._open_until:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    @property
    def consecutive_failures(self) -> int:
        """Failed calls since the last success."""
        return self._failures

    async def call[T](self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run `operation` through the circuit, recording how it ended."""
        trial = self._admit()
        try:
            result = await operation()
        except ProviderQuotaExhausted:
            self._open(self._quota_cooldown, reason="quota exhausted")
            raise
        except _ANSWERED:
            self._close()
            raise
        except Exception:
            self._record_failure()
            raise
        except BaseException:
            # Cancelled: nothing was learnt about the upstream; let another trial go.
            if trial:
                self._trial_in_flight = False
            raise
        self._close()
        return result

    def _admit(self) -> bool:
        state = self.state
        if state is BreakerState.CLOSED:
            return False
        if state is BreakerState.HALF_OPEN and not self._trial_in_flight:
            self._trial_in_flight = True
            self._log.info("circuit_half_open", provider=self.name)
            return True
        raise ProviderUnavailable(self.name, CIRCUIT_OPEN)

    def _record_failure(self) -> None:
        self._failures += 1
        if self._trial_in_flight or self._failures >= self._threshold:
            self._open(self._cooldown, reason="failures")

    def _open(self, seconds: float, *, reason: str) -> None:
        self._trial_in_flight = False
        self._open_until = self._clock() + seconds
        self._log.warning(
            "circuit_opened",
            provider=self.name,
            reason=reason,
            consecutive_failures=self._failures,
            cooldown_s=seconds,
        )

    def _close(self) -> None:
        was_open = self._open_until is not None
        self._failures = 0
        self._open_until = None
        self._trial_in_flight = False
        if was_open:
            self._log.info("circuit_closed", provider=self.name)
