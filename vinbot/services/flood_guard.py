"""Per-user flood guard: N decodes a minute, one notice per refusal streak and place.

`FloodGuard` keeps a sliding window in this process: right for the single-instance default
(SQLite, no Upstash). `SharedFloodGuard` counts in a store every instance sees (Upstash, else
the database) with one atomic increment per attempt on a per-user, per-minute key; it falls
back to a local `FloodGuard` for as long as that store fails, so a user is never blocked by it.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.errors import RateLimited

if TYPE_CHECKING:
    from collections.abc import Callable

    from vinbot.cache.base import SharedStore

WINDOW_SECONDS = 60.0

log = get_logger(__name__)


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

    async def admit(self, user_id: int, where: str = "chat") -> FloodDecision:
        """`check`, as the `FloodGate` every handler calls."""
        return self.check(user_id, where)

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


def wall_clock() -> Callable[[], float]:
    """Seconds since the epoch (a function, so tests can swap it)."""
    return time.time


class FloodGate(Protocol):
    """What handlers ask before an attempt that may reach an upstream."""

    @property
    def enabled(self) -> bool:
        """Whether any limit applies."""
        ...

    async def admit(self, user_id: int, where: str = "chat") -> FloodDecision:
        """Count this attempt if allowed, and say whether it is (and whether to tell the user)."""
        ...


class WindowCounter(Protocol):
    """Per-user attempt counts in fixed windows, kept where every instance sees them.

    Both methods raise (or answer None) when the store fails; the guard then falls back.
    """

    async def hit(self, user_id: int, window: int, window_seconds: float) -> int | None:
        """Count one attempt in this window; this user's attempts in it, this one included."""
        ...

    async def first_notice(
        self, user_id: int, window: int, where: str, window_seconds: float
    ) -> bool | None:
        """Whether this is the first refusal in this place in this window (and mark it)."""
        ...


class StoreWindowCounter:
    """A `WindowCounter` in the shared cache: INCR + PEXPIRE, and SET NX PX for notices."""

    def __init__(self, store: SharedStore) -> None:
        self._store = store

    async def hit(self, user_id: int, window: int, window_seconds: float) -> int | None:
        """INCR the user's key for this window; it lives two windows, then expires."""
        ttl_ms = int(2 * window_seconds * 1000)
        return await self._store.count(keys.flood_count_key(user_id, window), ttl_ms)

    async def first_notice(
        self, user_id: int, window: int, where: str, window_seconds: float
    ) -> bool | None:
        """SET NX the notice key for this place and window."""
        ttl_ms = int(2 * window_seconds * 1000)
        return await self._store.add(keys.flood_notice_key(user_id, window, where), "1", ttl_ms)


class SharedFloodGuard:
    """`limit_per_minute` attempts per user per minute window, counted across instances.

    Windows are fixed minutes of the wall clock (instances agree on them); a refused attempt
    counts too, which cannot extend a wait: the count starts again with the next window. When
    the counter fails the attempt is judged by `fallback`, this process's own guard.
    """

    def __init__(
        self,
        limit_per_minute: int,
        counter: WindowCounter,
        *,
        fallback: FloodGuard | None = None,
        clock: Callable[[], float] | None = None,
        window_seconds: float = WINDOW_SECONDS,
        backend: str = "shared",
    ) -> None:
        if limit_per_minute < 0:
            raise ValueError("limit_per_minute must be 0 (off) or more")
        self._limit = limit_per_minute
        self._counter = counter
        self._fallback = fallback or FloodGuard(limit_per_minute, window_seconds=window_seconds)
        # The wall clock, so that every instance agrees on which minute it is.
        self._clock = clock or wall_clock()
        self._window = window_seconds
        self._backend = backend

    @property
    def enabled(self) -> bool:
        """Whether any limit applies."""
        return self._limit > 0

    async def admit(self, user_id: int, where: str = "chat") -> FloodDecision:
        """Count the attempt in the shared window; the local guard decides if that fails."""
        if not self.enabled:
            return _ALLOWED
        now = self._clock()
        window = int(now // self._window)
        try:
            hits = await self._counter.hit(user_id, window, self._window)
            if hits is not None and hits <= self._limit:
                return _ALLOWED
            first = (
                None
                if hits is None
                else await self._counter.first_notice(user_id, window, where, self._window)
            )
        except Exception as error:  # noqa: BLE001 - a failing store must not refuse anyone
            log.warning("flood_guard_degraded", backend=self._backend, error=type(error).__name__)
            return self._fallback.check(user_id, where)
        if hits is None:
            log.warning("flood_guard_degraded", backend=self._backend, error="unavailable")
            return self._fallback.check(user_id, where)
        return FloodDecision(
            allowed=False,
            retry_after=max((window + 1) * self._window - now, 0.0),
            # A notice store that failed: better to tell twice than never.
            first_refusal=first is not False,
        )
