"""The cache port: string keys to JSON strings with a per-entry time to live."""

from __future__ import annotations

from typing import Protocol


class Cache(Protocol):
    """A key-value cache; every failure is swallowed and reported as a miss."""

    async def get(self, key: str) -> str | None:
        """The value, or None when absent, expired or the backend failed."""
        ...

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        """Store a value for ttl_seconds; a failure is logged, never raised."""
        ...

    async def delete(self, key: str) -> None:
        """Remove a key if present."""
        ...

    async def ping(self) -> bool:
        """Whether the backend answers now (for /ready)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class SharedStore(Protocol):
    """What several instances coordinate through (Upstash): counters and short locks.

    Every method answers None when the backend failed or is paused, never raises, never
    waits longer than the cache's timeout: a caller then falls back to local behaviour.
    """

    async def count(self, key: str, ttl_ms: int) -> int | None:
        """Add one to the counter at key (created at 0) and keep it ttl_ms; the new count."""
        ...

    async def add(self, key: str, value: str, ttl_ms: int) -> bool | None:
        """Store value for ttl_ms only if key is absent; whether it was stored."""
        ...

    async def delete(self, key: str) -> None:
        """Remove a key if present."""
        ...
