"""An in-process cache: bounded, least recently used first out, each entry with its own lifetime."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, NamedTuple, Protocol

from cachetools import TLRUCache

if TYPE_CHECKING:
    from collections.abc import Callable


class _Lifetime(Protocol):
    @property
    def ttl_seconds(self) -> float: ...


class _Entry(NamedTuple):
    value: str
    ttl_seconds: int


def expires_after_ttl(_key: str, entry: _Lifetime, now: float) -> float:
    """When a `TLRUCache` entry that carries its own lifetime expires."""
    return now + entry.ttl_seconds


class MemoryCache:
    """A `Cache` held in this process; lost on restart, never fails."""

    def __init__(
        self, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._entries: TLRUCache[str, _Entry, float] = TLRUCache(
            maxsize=max_entries, ttu=expires_after_ttl, timer=clock
        )

    async def get(self, key: str) -> str | None:
        """The value, or None when absent or expired."""
        entry = self._entries.get(key)
        return None if entry is None else entry.value

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        """Store a value for ttl_seconds; a ttl of zero or less removes the key instead."""
        self._entries[key] = _Entry(value, ttl_seconds)

    async def delete(self, key: str) -> None:
        """Remove a key if present."""
        self._entries.pop(key, None)

    async def count(self, key: str, ttl_ms: int) -> int | None:
        """Add one to the counter at key and keep it ttl_ms (rounded up to a second)."""
        entry = self._entries.get(key)
        count = 1 if entry is None else int(entry.value) + 1
        self._entries[key] = _Entry(str(count), -(-ttl_ms // 1000))
        return count

    async def add(self, key: str, value: str, ttl_ms: int) -> bool | None:
        """Store value for ttl_ms (rounded up to a second) only if key is absent."""
        if self._entries.get(key) is not None:
            return False
        self._entries[key] = _Entry(value, -(-ttl_ms // 1000))
        return True

    async def ping(self) -> bool:
        """Always True: memory is always there."""
        return True

    async def aclose(self) -> None:
        """Drop every entry."""
        self._entries.clear()

    def __len__(self) -> int:
        """How many entries are held, expired ones not yet purged included."""
        return len(self._entries)
