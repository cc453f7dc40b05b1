"""One instance at a time: a named lease in the shared database, taken and renewed by its holder.

Every instance has its own holder id: its host name and its health PORT (two processes on one
host cannot bind one port, so no two running instances share an id, while the same instance
restarted after a crash - same host, same port - takes its own lease back at once instead of
waiting for it to expire). The holder renews the lease while it works; the others find it taken
and skip (the recall job) or stand by (the poller) until it is released or expires - an
instance that died elsewhere holds it at most `ttl`.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Protocol

from vinbot.models.records import utc_now

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from vinbot.models.records import Clock


class LeaseStore(Protocol):
    """Where leases live (the database)."""

    async def take(self, name: str, holder: str, *, now: datetime, until: datetime) -> bool:
        """Take or renew; False when another holder's lease has not expired."""
        ...

    async def release(self, name: str, holder: str) -> None:
        """Give the lease up if it is the holder's."""
        ...

    async def holder(self, name: str, *, now: datetime) -> str | None:
        """The current holder, None when free or expired."""
        ...


def instance_id(port: int) -> str:
    """This process's holder id: the host name and the health server's port."""
    return f"{socket.gethostname()[:100]}:{port}"


class Lease:
    """One named lease as seen by one instance."""

    def __init__(
        self,
        store: LeaseStore,
        name: str,
        holder: str,
        ttl: timedelta,
        *,
        now: Clock = utc_now,
    ) -> None:
        if ttl.total_seconds() <= 0:
            raise ValueError("a lease needs a positive ttl")
        self._store = store
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self._now = now

    async def acquire(self) -> bool:
        """Take the lease, or renew it when already held; False when another instance has it."""
        now = self._now()
        return await self._store.take(self.name, self.holder, now=now, until=now + self.ttl)

    async def release(self) -> None:
        """Give it up now (the next taker need not wait for the expiry)."""
        await self._store.release(self.name, self.holder)

    async def current_holder(self) -> str | None:
        """Who holds it now, if anyone."""
        return await self._store.holder(self.name, now=self._now())
