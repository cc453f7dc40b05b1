"""The /value conversation's state, kept in the database: started on one instance, it can be
answered on another, and it survives a deploy.

One draft per (user, chat): the VIN, the answers so far and the question waiting. Each answer
moves it on and pushes its expiry DRAFT_TIMEOUT later; a draft not answered by then is taken by
the sweep (one instance gets each, by DELETE ... RETURNING) and its chat told the valuation timed
out. Finishing takes the draft the same way, so two instances handling two taps of one
condition button make one valuation.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from vinbot.models.records import ValueDraft, ValueStep, utc_now

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from vinbot.models.records import Clock

# As long as the conversation waited before it lived in the database (PTB's timeout).
DRAFT_TIMEOUT = timedelta(minutes=5)
# A draft found expired longer ago than this (the bot was down) is dropped without a message.
TOO_LATE_TO_SAY = timedelta(hours=1)


class ValueDraftRepository(Protocol):
    """Where drafts live."""

    async def save(self, draft: ValueDraft) -> None:
        """Store the draft, replacing the (user, chat)'s previous one."""
        ...

    async def get(self, user_id: int, chat_id: int, *, now: datetime) -> ValueDraft | None:
        """The (user, chat)'s draft unless it expired."""
        ...

    async def take(self, user_id: int, chat_id: int, *, now: datetime) -> ValueDraft | None:
        """Delete and return the draft (None when absent or expired)."""
        ...

    async def take_expired(self, *, now: datetime) -> Sequence[ValueDraft]:
        """Delete and return the expired drafts."""
        ...


class ValueDraftService:
    """Starts, advances, finishes and sweeps /value drafts."""

    def __init__(
        self,
        repository: ValueDraftRepository,
        *,
        now: Clock = utc_now,
        timeout: timedelta = DRAFT_TIMEOUT,
    ) -> None:
        self._repository = repository
        self._now = now
        self._timeout = timeout

    async def start(self, user_id: int, chat_id: int, vin: str) -> ValueDraft:
        """A new draft asking for the mileage (replacing any other in that chat)."""
        now = self._now()
        draft = ValueDraft(
            user_id=user_id,
            chat_id=chat_id,
            vin=vin,
            step=ValueStep.MILEAGE,
            updated_at=now,
            expires_at=now + self._timeout,
        )
        await self._repository.save(draft)
        return draft

    async def current(self, user_id: int, chat_id: int) -> ValueDraft | None:
        """The draft waiting for this user's answer in this chat."""
        return await self._repository.get(user_id, chat_id, now=self._now())

    async def answered_mileage(self, draft: ValueDraft, mileage: int) -> ValueDraft:
        """Keep the mileage; the state is asked next."""
        return await self._advance(draft, mileage=mileage, step=ValueStep.STATE)

    async def answered_state(self, draft: ValueDraft, state: str | None) -> ValueDraft:
        """Keep the state (None: skipped, a national value); the condition is asked next."""
        return await self._advance(draft, state=state, step=ValueStep.CONDITION)

    async def _advance(self, draft: ValueDraft, **changes: object) -> ValueDraft:
        now = self._now()
        moved = dataclasses.replace(
            draft,
            updated_at=now,
            expires_at=now + self._timeout,
            **changes,  # type: ignore[arg-type]
        )
        await self._repository.save(moved)
        return moved

    async def take(self, user_id: int, chat_id: int) -> ValueDraft | None:
        """End the conversation: the draft, deleted (None when another instance took it)."""
        return await self._repository.take(user_id, chat_id, now=self._now())

    async def sweep(self) -> list[ValueDraft]:
        """Delete expired drafts; the ones that expired recently enough to say so."""
        now = self._now()
        expired = await self._repository.take_expired(now=now)
        return [draft for draft in expired if now - draft.expires_at <= TOO_LATE_TO_SAY]
