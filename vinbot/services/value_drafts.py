"""The /value conversation's state, kept in the database: started on one instance, it can be
answered on another, and it survives a deploy.

One draft per (user, chat): the VIN, the answers so far and the question waiting. Each answer
moves it on and pushes its expiry DRAFT_TIMEOUT later; a draft not answered by then is taken by
the sweep (one instance gets each, by DELETE ... RETURNING) and its chat told the valuation timed
out. Finishing takes the draft the same way, so two instances handling two taps of one
condition button make one valuation.

Every text message asks whether its chat has a draft. With one process on the database (SQLite)
drafts are saved only through this service, so after `load` it knows which (user, chat) may have
one and asks the database only for those; on PostgreSQL another instance may have started the
draft, so every question goes to the database.
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

    async def keys(self) -> Sequence[tuple[int, int]]:
        """The (user, chat) of every stored draft, expired or not."""
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
        # (user, chat) that may have a draft, each with a count of its saves, so a take racing
        # a save never forgets a key whose draft is still stored; None: ask the database.
        self._possible: dict[tuple[int, int], int] | None = None

    async def load(self) -> None:
        """Learn which chats have drafts (once, at start-up, when no other process saves any)."""
        self._possible = dict.fromkeys(await self._repository.keys(), 0)

    def _saving(self, user_id: int, chat_id: int) -> None:
        if self._possible is not None:
            key = (user_id, chat_id)
            self._possible[key] = self._possible.get(key, 0) + 1

    def _saves_of(self, user_id: int, chat_id: int) -> int | None:
        return None if self._possible is None else self._possible.get((user_id, chat_id))

    def _gone(self, user_id: int, chat_id: int, saves_before: int | None) -> None:
        key = (user_id, chat_id)
        if self._possible is not None and self._possible.get(key) == saves_before:
            self._possible.pop(key, None)

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
        self._saving(user_id, chat_id)
        await self._repository.save(draft)
        return draft

    async def current(self, user_id: int, chat_id: int) -> ValueDraft | None:
        """The draft waiting for this user's answer in this chat."""
        if self._possible is not None and (user_id, chat_id) not in self._possible:
            return None
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
        self._saving(draft.user_id, draft.chat_id)
        await self._repository.save(moved)
        return moved

    async def take(self, user_id: int, chat_id: int) -> ValueDraft | None:
        """End the conversation: the draft, deleted (None when another instance took it)."""
        saves_before = self._saves_of(user_id, chat_id)
        taken = await self._repository.take(user_id, chat_id, now=self._now())
        self._gone(user_id, chat_id, saves_before)
        return taken

    async def sweep(self) -> list[ValueDraft]:
        """Delete expired drafts; the ones that expired recently enough to say so."""
        now = self._now()
        saves_before = dict(self._possible or {})
        expired = await self._repository.take_expired(now=now)
        for draft in expired:
            key = (draft.user_id, draft.chat_id)
            self._gone(draft.user_id, draft.chat_id, saves_before.get(key))
        return [draft for draft in expired if now - draft.expires_at <= TOO_LATE_TO_SAY]
