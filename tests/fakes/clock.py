"""A monotonic clock that moves only when the test says so."""

from __future__ import annotations


class ManualClock:
    """Stands in for `time.monotonic`: reads `now`, moved by `advance`."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
