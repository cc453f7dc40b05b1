"""Retrying one upstream call: exponential backoff, full jitter, an overall deadline."""

from __future__ import annotations

import asyncio
import random as _random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vinbot import budget
from vinbot.logs import get_logger
from vinbot.models.errors import ProviderUnavailable

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable


class RetryableFailure(ProviderUnavailable):
    """One attempt failed in a way another attempt may fix: a 5xx, a timeout, a dropped connection.

    `status` is the HTTP status, or None when no response came back. Only RetryPolicy.run sees
    this error: it either retries or turns it into a plain ProviderUnavailable.
    """

    def __init__(self, provider: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(provider, reason)
        self.status = status


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often, how patiently and on what one upstream call is retried.

    Failures without a status (timeouts, connection errors) and `retry_statuses` are retried up
    to `attempts` in all; `retry_once_statuses` (500: CarsXE says once) at most once per call;
    anything else, 429 included, never. Delays use full jitter, uniform in
    [0, min(max_delay, base_delay * 2**n)], and no attempt starts or sleeps past `deadline`
    seconds after the call began, nor past the caller's time budget (vinbot/budget.py) when one
    is set. `sleep`, `random` and `clock` are injectable for tests.
    """

    attempts: int = 3
    base_delay: float = 0.25
    max_delay: float = 2.0
    deadline: float = 10.0
    retry_statuses: frozenset[int] = frozenset({502, 503, 504})
    retry_once_statuses: frozenset[int] = frozenset({500})
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    random: Callable[[], float] = field(default=_random.random, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.deadline <= 0:
            raise ValueError("delays must be >= 0 and the deadline > 0")

    def backoff(self, retry_number: int) -> float:
        """The jittered sleep before retry number `retry_number` (1 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (retry_number - 1))
        return self.random() * ceiling

    def allows(self, failure: RetryableFailure, retried_statuses: frozenset[int]) -> bool:
        """Whether this kind of failure may be retried, given the statuses already retried."""
        if failure.status is None or failure.status in self.retry_statuses:
            return True
        return failure.status in self.retry_once_statuses and failure.status not in retried_statuses

    async def run[T](self, operation: Callable[[], Awaitable[T]], *, provider: str) -> T:
        """Run `operation` until it succeeds, raises something not retryable, or time runs out.

        Raises ProviderUnavailable naming the last failure when attempts or the deadline run out;
        the raised error never chains the attempt's exception (it may carry a URL with a key).
        """
        log = get_logger(__name__)
        limit = self.deadline
        if (left := budget.remaining()) is not None:
            limit = min(limit, left)
        deadline_at = self.clock() + limit
        out_of_time = ProviderUnavailable(provider, f"no answer within {limit:.3g} s")
        retried_statuses: set[int] = set()
        attempt = 0
        while (remaining := deadline_at - self.clock()) > 0:
            attempt += 1
            try:
                async with asyncio.timeout(remaining):
                    return await operation()
            except RetryableFailure as exc:
                failure = exc
            except TimeoutError:
                break
            delay = self.backoff(attempt)
            if (
                attempt >= self.attempts
                or not self.allows(failure, frozenset(retried_statuses))
                or self.clock() + delay >= deadline_at
            ):
                raise ProviderUnavailable(provider, _gave_up(failure.reason, attempt))
            if failure.status is not None:
                retried_statuses.add(failure.status)
            log.warning(
                "upstream_retry",
                provider=provider,
                attempt=attempt,
                reason=failure.reason,
                delay_s=round(delay, 3),
            )
            await self.sleep(delay)
        raise out_of_time


def _gave_up(reason: str, attempts: int) -> str:
    return reason if attempts == 1 else f"{reason} (after {attempts} attempts)"
