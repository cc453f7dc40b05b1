"""An end-to-end time budget: a caller says when an answer is due, upstream calls honour it.

The decode service gives each provider a share of what is left of DECODE_DEADLINE_SECONDS;
`RetryPolicy.run` (clients/retry.py) never retries or waits past the share, so a provider that
hangs fails as a timeout inside its circuit breaker, which then counts it. The budget lives in a
context variable, so it reaches the client through any provider without changing its signature.
"""

from __future__ import annotations

import contextlib
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@dataclass(frozen=True, slots=True)
class _Budget:
    due: float
    clock: Callable[[], float]

    def remaining(self) -> float:
        return max(0.0, self.due - self.clock())


_current: ContextVar[_Budget | None] = ContextVar("vinbot_time_budget", default=None)


def remaining() -> float | None:
    """Seconds left in the budget set by an enclosing `spend_at_most`, or None when unbounded."""
    budget = _current.get()
    return None if budget is None else budget.remaining()


@contextlib.contextmanager
def spend_at_most(seconds: float, clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Calls made inside the block should give up within `seconds` (or an outer budget's rest)."""
    outer = remaining()
    limit = seconds if outer is None else min(seconds, outer)
    token = _current.set(_Budget(clock() + limit, clock))
    try:
        yield
    finally:
        _current.reset(token)
