"""Which instance took a webhook update, so Telegram delivering it again to another instance
does not get it handled twice.

Telegram delivers an update again when our 200 did not reach it (a timeout, a lost connection),
and behind a load balancer that retry may reach another instance, which has never seen the id.
Each route therefore marks the update where every instance sees it (Upstash when configured,
else the shared PostgreSQL database, table delivery_marks): "receiving" (SET NX, short)
before it queues the update, "taken" (for as long as Telegram keeps an update) once the journal
has it. Another instance answers a taken update 200 without handling it (the journal of the one
that took it replays it after a crash, or a survivor adopts it), and a receiving one 503, so
Telegram tries again once it is decided; a receiving mark left by a crash lapses by itself. A
store that fails never refuses an update: the process decides alone, as before (unless it had
just said another request holds the update: then Telegram is asked to deliver it again).
Upstash forgets expired marks by itself; the database's are deleted by `forget_expired`, every
few minutes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final, Protocol

from vinbot.cache import keys

if TYPE_CHECKING:
    from vinbot.services.presses import ClaimStore

# Longer than the route waits for its journal write (journal.COMMIT_WAIT_SECONDS).
RECEIVING_SECONDS: Final = 60
# Telegram keeps an undelivered update for 24 hours.
TAKEN_SECONDS: Final = 25 * 3600
# Expired marks deleted per statement, and statements per sweep at most (the rest next time).
SWEEP_BATCH: Final = 2000
SWEEP_BATCHES_AT_MOST: Final = 50
_RECEIVING: Final = "receiving"
_TAKEN: Final = "taken"


class Delivery(StrEnum):
    """What an instance may do with an update delivered to it."""

    NEW = "new"  # this instance takes it
    RECEIVING = "receiving"  # another request is taking it right now
    TAKEN = "taken"  # already journaled or handled (here or on another instance)


class ExpiredMarks(Protocol):
    """A store that keeps expired marks until they are deleted (the database)."""

    async def delete_expired(self, limit: int) -> int | None:
        """Delete at most `limit` expired marks; how many, None when the store failed."""
        ...


class DeliveredUpdates:
    """Webhook updates marked in a store every instance shares, with this instance's id beside
    the state."""

    def __init__(
        self,
        store: ClaimStore,
        bot_id: str,
        holder: str,
        *,
        expired: ExpiredMarks | None = None,
    ) -> None:
        """`expired`: the store's sweeper, when its expired marks must be deleted by hand."""
        self._store = store
        self._bot_id = bot_id
        self._holder = holder
        self._expired = expired

    @property
    def needs_sweeping(self) -> bool:
        """Whether `forget_expired` must run now and then (marks in the database)."""
        return self._expired is not None

    async def forget_expired(self) -> int:
        """Delete the expired marks, in bounded batches; how many went."""
        if self._expired is None:
            return 0
        deleted = 0
        for _ in range(SWEEP_BATCHES_AT_MOST):
            batch = await self._expired.delete_expired(SWEEP_BATCH)
            deleted += batch or 0
            if batch != SWEEP_BATCH:  # all gone, or the store failed: the next sweep goes on
                break
        return deleted

    async def receive(self, update_id: int) -> Delivery:
        """Mark the update as being received here, unless some instance already did."""
        key = keys.delivered_update_key(self._bot_id, update_id)
        value = f"{_RECEIVING}:{self._holder}"
        if await self._store.add(key, value, RECEIVING_SECONDS * 1000) is not False:
            return Delivery.NEW  # stored, or the cache failed: this process decides
        found = await self._store.get(key)
        if found is None:
            # The store failed (or, rarely, the mark lapsed meanwhile) after saying another
            # request holds the update: Telegram asks again rather than it being handled twice.
            return Delivery.RECEIVING
        return Delivery.TAKEN if found.startswith(f"{_TAKEN}:") else Delivery.RECEIVING

    async def taken(self, update_id: int) -> None:
        """The update is in the journal: a delivery anywhere else is a repeat."""
        key = keys.delivered_update_key(self._bot_id, update_id)
        await self._store.set(key, f"{_TAKEN}:{self._holder}", TAKEN_SECONDS)

    async def abandon(self, update_id: int) -> None:
        """This instance will not take the update after all: another may at once."""
        key = keys.delivered_update_key(self._bot_id, update_id)
        if await self._store.get(key) == f"{_RECEIVING}:{self._holder}":
            await self._store.delete(key)
