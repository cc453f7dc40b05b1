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
