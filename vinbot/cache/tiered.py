"""A local tier in front of Upstash: what this instance read or wrote lately, kept in memory.

A copy is served without asking Upstash for `FRESH_SECONDS` at most. Every cached answer is
written once per lifetime (only after a miss), but another instance may replace one sooner
(a decode upgraded from NHTSA to CarsXE) or let it expire, so a minute is how far behind the
shared store an instance may be. When Upstash fails or is paused, a copy is served for
`KEPT_SECONDS` at most: an older cached answer beats a paid call or no answer, and an hour
past the shared entry's end is small next to the hours and days cached answers live.

A miss is never remembered locally (another instance may write the key at any moment: a decode
waiting for another's answer polls for it), and what Upstash says is absent drops the copy.
Counters and locks (`count`, `add`, `delete`) always go to Upstash, and keys the key module
marks shared-only are never copied.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final, NamedTuple

from cachetools import TLRUCache

from vinbot.cache import keys
from vinbot.cache.memory import expires_after_ttl
from vinbot.cache.upstash import UNREACHABLE

if TYPE_CHECKING:
    from collections.abc import Callable

    from vinbot.cache.upstash import UpstashCache

FRESH_SECONDS: Final = 60
KEPT_SECONDS: Final = 60 * 60


class _Copy(NamedTuple):
    value: str
    fresh_until: float
    ttl_seconds: int  # how long it is kept: served fresh, then only while Upstash fails


class TieredCache:
    """A `Cache` and `SharedStore`: a bounded in-process tier, then Upstash."""

    def __init__(
        self,
        shared: UpstashCache,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._shared = shared
        self._clock = clock
        self._copies: TLRUCache[str, _Copy, float] = TLRUCache(
            maxsize=max_entries, ttu=expires_after_ttl, timer=clock
        )

    async def get(self, key: str) -> str | None:
        """The fresh local copy, else Upstash's value (copied), else a kept copy when Upstash
        is unreachable, else None."""
        if keys.shared_only(key):
            return await self._shared.get(key)
        copy = self._copies.get(key)
        if copy is not None and self._clock() < copy.fresh_until:
            return copy.value
        answer = await self._shared.lookup(key)
        if answer is UNREACHABLE:
            return None if copy is None else copy.value
        if answer is None:
            self._copies.pop(key, None)
            return None
        self._keep(key, answer)  # how long Upstash still holds it is unknown: the caps bound it
        return answer

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        """Store in Upstash for ttl_seconds and keep a copy here (its time capped)."""
        if ttl_seconds <= 0 or keys.shared_only(key):
            self._copies.pop(key, None)
        else:
            self._keep(key, value, ttl_seconds)
        await self._shared.set(key, value, ttl_seconds)

    async def delete(self, key: str) -> None:
        """Remove the key here and in Upstash."""
        self._copies.pop(key, None)
        await self._shared.delete(key)

    async def count(self, key: str, ttl_ms: int) -> int | None:
        """Upstash's counter (never counted locally: only the shared count is right)."""
        return await self._shared.count(key, ttl_ms)

    async def add(self, key: str, value: str, ttl_ms: int) -> bool | None:
        """Upstash's SET NX (a lock is only a lock in the shared store)."""
        return await self._shared.add(key, value, ttl_ms)

    async def ping(self) -> bool:
        """Whether Upstash answers now: the local tier is always there."""
        return await self._shared.ping()

    async def aclose(self) -> None:
        """Drop the local copies and close Upstash's connections."""
        self._copies.clear()
        await self._shared.aclose()

    @property
    def max_entries(self) -> int:
        """How many local copies are held at most."""
        return int(self._copies.maxsize)

    def __len__(self) -> int:
        """How many local copies are held, expired ones not yet purged included."""
        return len(self._copies)

    def _keep(self, key: str, value: str, ttl_seconds: int = KEPT_SECONDS) -> None:
        fresh_until = self._clock() + min(ttl_seconds, FRESH_SECONDS)
        self._copies[key] = _Copy(value, fresh_until, min(ttl_seconds, KEPT_SECONDS))
