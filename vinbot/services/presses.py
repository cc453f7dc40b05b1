"""Button presses being handled right now, so a double tap does its work once.

A press (who, which message, which button) is claimed in this process first: a double tap on one
instance costs no round trip. When several instances share state, the press is then claimed where
every instance sees it, since Telegram may deliver the second tap to another instance: in Upstash
(SET NX PX) when configured, else as a short lease row in the database (PostgreSQL). A claim is
held by this instance's id for `CLAIM_SECONDS`, renewed every third of that while the press is
handled (for at most the longest an update may take) and given back when it ends: one left by a
crash blocks that button for seconds, not minutes, and the same instance restarted takes it back
at once (its journal replays the press). A store that fails never refuses a press: this process's
set decides.
"""

from __future__ import annotations

import asyncio
import math
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol

from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.records import utc_now
from vinbot.services.leases import Lease

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import timedelta

    from vinbot.models.records import Clock
    from vinbot.services.leases import LeaseStore

# Who pressed, in which chat, under which message, which button's data.
type PressKey = tuple[int, int | None, int | None, str | None]

# Short, so a claim left by a crash frees the button soon (before another instance adopts the
# crashed one's journal and replays the press); renewed while the press is handled.
CLAIM_SECONDS = 15.0

log = get_logger(__name__)


class SharedPresses(Protocol):
    """Where presses are claimed so that every instance sees them."""

    async def take(self, name: str) -> bool | None:
        """Claim the press for this instance; False when another holds it, None when unsure."""
        ...

    async def give_back(self, name: str) -> None:
        """Release this instance's claim."""
        ...


class ClaimStore(Protocol):
    """Where claims are set: the shared cache (`UpstashCache`), or the database's webhook
    delivery marks (`storage.delivery_marks.SqlDeliveryMarks`)."""

    async def add(self, key: str, value: str, ttl_ms: int) -> bool | None:
        """Store value for ttl_ms only if key is absent; whether it was stored."""
        ...

    async def get(self, key: str) -> str | None:
        """The value, or None when absent or the backend failed."""
        ...

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        """Store a value for ttl_seconds."""
        ...

    async def delete(self, key: str) -> None:
        """Remove a key if present."""
        ...


class StorePresses:
    """Claims in the shared cache: SET NX PX with this instance's id as the value."""

    def __init__(self, store: ClaimStore, holder: str, ttl: timedelta) -> None:
        self._store = store
        self._holder = holder
        self._ttl_seconds = ttl.total_seconds()

    async def take(self, name: str) -> bool | None:
        """SET NX; a claim this instance's id already holds was left by itself, and is renewed."""
        added = await self._store.add(name, self._holder, int(self._ttl_seconds * 1000))
        if added is not False:
            return added
        holder = await self._store.get(name)
        if holder is None:  # released meanwhile, or the store failed: this process decides
            return None
        if holder != self._holder:
            return False
        await self._store.set(name, self._holder, math.ceil(self._ttl_seconds))
        return True

    async def give_back(self, name: str) -> None:
        """DEL the claim if it is still this instance's: one that lapsed (renewals lost while
        Upstash failed) may be another instance's by now, handling the same press."""
        if await self._store.get(name) == self._holder:
            await self._store.delete(name)


class DatabasePresses:
    """Claims as short leases in the database: one conditional upsert to take, one delete."""

    def __init__(
        self, leases: LeaseStore, holder: str, ttl: timedelta, *, now: Clock = utc_now
    ) -> None:
        self._leases = leases
        self._holder = holder
        self._ttl = ttl
        self._now = now

    async def take(self, name: str) -> bool:
        """Take the press's lease (or renew one this instance left)."""
        return await self._lease(name).acquire()

    async def give_back(self, name: str) -> None:
        """Release the press's lease."""
        await self._lease(name).release()

    def _lease(self, name: str) -> Lease:
        return Lease(self._leases, name, self._holder, self._ttl, now=self._now)


class PressesInFlight:
    """Remembers each press (who, which message, which button) until its handling ends."""

    __slots__ = ("_backend", "_hold_at_most", "_keys", "_renew_every", "_shared")

    def __init__(
        self,
        shared: SharedPresses | None = None,
        *,
        renew_every: float = CLAIM_SECONDS / 3,
        hold_at_most: float = 60.0,
        backend: str = "local",
    ) -> None:
        """Only this process's presses by default; `shared` claims them across instances too,
        renewed every `renew_every` seconds for at most `hold_at_most`."""
        self._keys: set[PressKey] = set()
        self._shared = shared
        self._renew_every = renew_every
        self._hold_at_most = hold_at_most
        self._backend = backend

    @property
    def backend(self) -> str:
        """Where presses are claimed across instances: "upstash", "database" or "local"."""
        return self._backend

    @asynccontextmanager
    async def claim(self, key: PressKey) -> AsyncIterator[bool]:
        """True for the first press of its kind; False while an identical one is still handled,
        here or on another instance."""
        if key in self._keys:
            yield False
            return
        self._keys.add(key)
        try:
            name = keys.press_key(*key)
            taken = await self._take_shared(name)
            if taken is False:
                yield False
                return
            renewal = asyncio.create_task(self._renew(name)) if taken else None
            try:
                yield True
            finally:
                if renewal is not None:
                    renewal.cancel()
                    await asyncio.wait([renewal])
                    await self._give_back_shared(name)
        finally:
            self._keys.discard(key)

    async def _renew(self, name: str) -> None:
        """Take the claim again (a renewal: it is this instance's) while the press is handled."""
        for _ in range(round(self._hold_at_most / self._renew_every)):
            await asyncio.sleep(self._renew_every)
            await self._take_shared(name)

    async def _take_shared(self, name: str) -> bool | None:
        """Whether the shared store gave this instance the press; None without one or on failure."""
        if self._shared is None:
            return None
        try:
            taken = await self._shared.take(name)
        except Exception as error:  # noqa: BLE001 - a failing store must not refuse a press
            log.warning("press_claim_degraded", backend=self._backend, error=type(error).__name__)
            return None
        if taken is None:
            log.warning("press_claim_degraded", backend=self._backend, error="unavailable")
        return taken

    async def _give_back_shared(self, name: str) -> None:
        if self._shared is None:
            return
        try:
            await self._shared.give_back(name)
        except Exception as error:  # noqa: BLE001 - the claim expires by itself
            log.warning("press_release_failed", backend=self._backend, error=type(error).__name__)
