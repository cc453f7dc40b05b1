"""Per-user sliding-window flood guard: N decodes a minute, one notice per refusal streak."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vinbot.models.errors import RateLimited

if TYPE_CHECKING:
    from collections.abc import Callable

WINDOW_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class FloodDecision:
    """May this attempt go ahead; if not, in how many seconds, and should the user be told."""

    allowed: bool
    retry_after: float = 0.0
    first_refusal: bool = False

    def to_error(self) -> RateLimited:
        """The domain error for a refused attempt."""
        return RateLimited(self.retry_after)


_ALLOWED = FloodDecision(allowed=True)


@dataclass(slots=True)
class _Window:
    accepted: deque[float] = field(default_factory=deque)
    # Where the user was told already: a notice on a button or an inline list is not seen in
    # the chat, so each place gets its own one-time notice.
    notified: set[str] = field(default_factory=set)


class FloodGuard:
    """Allows `limit_per_minute` attempts per user in any 60 s; 0 turns the guard off."""

    def __init__(
        self,
        limit_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        *,
        window_seconds: float = WINDOW_SECONDS,
    ) -> None:
        if limit_per_minute < 0:
            raise ValueError("limit_per_minute must be 0 (off) or more")
        self._limit = limit_per_minute
        self._clock = clock
        self._window = window_seconds
        # Ordered by each user's latest accepted attempt, so the users whose windows have
        # emptied are always at the front and can be dropped without scanning everyone.
        self._users: OrderedDict[int, _Window] = OrderedDict()

    @property
    def enabled(self) -> bool:
        """Whether any limit applies."""
        return self._limit > 0

    @property
    def tracked_users(self) -> int:
        """How many users the guard currently remembers."""
        return len(self._users)

    def check(self, user_id: int, where: str = "chat") -> FloodDecision:
        """Count an attempt by this user if allowed, and say whether it is (and whether to tell
        them: once per refusal streak in each place a notice can be seen, e.g. chat, button)."""
        if not self.enabled:
            return _ALLOWED
        now = self._clock()
        self._forget_idle(now)
        window = self._users.get(user_id)
        if window is None:
            window = self._users[user_id] = _Window()
        accepted = window.accepted
        while accepted and now - accepted[0] >= self._window:
            accepted.popleft()
        if len(accepted) < self._limit:
            accepted.append(now)
            window.notified.clear()
            self._users.move_to_end(user_id)
            return _ALLOWED
        first_refusal = where not in window.notified
        window.notified.add(where)
        return FloodDecision(
            allowed=False,
            retry_after=max(accepted[0] + self._window - now, 0.0),
            first_refusal=first_refusal,
        )

    def _forget_idle(self, now: float) -> None:
        while self._users:
            user_id, window = next(iter(self._users.items()))
            if window.accepted and now - window.accepted[-1] < self._window:
                return
            del self._users[user_id]
