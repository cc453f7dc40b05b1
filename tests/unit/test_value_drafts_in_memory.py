"""ValueDraftService on SQLite (after `load`): texts in chats without a draft ask no database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from vinbot.models.records import ValueDraft, ValueStep
from vinbot.services.value_drafts import ValueDraftService

BMW = "WBAFR7C57CC811956"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


class CountingDrafts:
    """Drafts in a dict, counting the lookups; `take` can be held open to race a save."""

    def __init__(self) -> None:
        self.drafts: dict[tuple[int, int], ValueDraft] = {}
        self.lookups = 0
        self.hold_take: asyncio.Event | None = None

    async def save(self, draft: ValueDraft) -> None:
        """Store the draft under its (user, chat)."""
        self.drafts[draft.user_id, draft.chat_id] = draft

    async def get(self, user_id: int, chat_id: int, *, now: datetime) -> ValueDraft | None:
        """The draft unless expired, counted."""
        self.lookups += 1
        draft = self.drafts.get((user_id, chat_id))
        return draft if draft is not None and draft.expires_at > now else None

    async def take(self, user_id: int, chat_id: int, *, now: datetime) -> ValueDraft | None:
        """Delete and return the draft (after `hold_take` is set, when given)."""
        draft = self.drafts.pop((user_id, chat_id), None)
        if self.hold_take is not None:
            await self.hold_take.wait()
        return draft if draft is not None and draft.expires_at > now else None

    async def take_expired(self, *, now: datetime) -> list[ValueDraft]:
        """Delete and return the expired drafts."""
        expired = [draft for draft in self.drafts.values() if draft.expires_at <= now]
        for draft in expired:
            del self.drafts[draft.user_id, draft.chat_id]
        return expired

    async def keys(self) -> list[tuple[int, int]]:
        """Every stored (user, chat)."""
        return list(self.drafts)


def stored_draft(user_id: int, chat_id: int) -> ValueDraft:
    """A draft waiting for the mileage, expiring after NOW."""
    return ValueDraft(
        user_id=user_id,
        chat_id=chat_id,
        vin=BMW,
        step=ValueStep.MILEAGE,
        updated_at=NOW,
        expires_at=NOW + timedelta(minutes=5),
    )


async def loaded(repository: CountingDrafts) -> ValueDraftService:
    """A service that loaded the repository's keys, as bootstrap does on SQLite."""
    service = ValueDraftService(repository, now=lambda: NOW)
    await service.load()
    return service


async def test_a_chat_without_a_draft_asks_no_database_once_loaded() -> None:
    """After load, a text in a chat that never had a draft is answered None without a lookup."""
    repository = CountingDrafts()
    service = await loaded(repository)
    assert await service.current(1, 10) is None
    assert repository.lookups == 0


async def test_drafts_stored_before_load_and_started_after_are_found() -> None:
    """A draft left by the last run and one started now are both looked up and found."""
    repository = CountingDrafts()
    repository.drafts[1, 10] = stored_draft(1, 10)
    service = await loaded(repository)
    await service.start(2, 20, BMW)
    assert await service.current(1, 10) is not None
    assert await service.current(2, 20) is not None
    assert repository.lookups == 2


async def test_a_taken_or_swept_draft_asks_no_database_again() -> None:
    """Once a draft is taken (or swept when expired) its chat's texts need no lookup."""
    repository = CountingDrafts()
    service = await loaded(repository)
    await service.start(1, 10, BMW)
    await service.take(1, 10)
    repository.drafts[2, 20] = stored_draft(2, 20)
    await service.load()
    later = ValueDraftService(repository, now=lambda: NOW + timedelta(hours=1))
    await later.load()
    await later.sweep()
    assert await service.current(1, 10) is None
    assert await later.current(2, 20) is None
    assert repository.lookups == 0


async def test_a_draft_started_while_the_last_one_is_taken_is_still_found() -> None:
    """A take racing a new /value in the same chat does not make the new draft invisible."""
    repository = CountingDrafts()
    service = await loaded(repository)
    await service.start(1, 10, BMW)
    repository.hold_take = asyncio.Event()
    taking = asyncio.create_task(service.take(1, 10))
    await asyncio.sleep(0)
    await service.start(1, 10, BMW)
    repository.hold_take.set()
    await taking
    assert await service.current(1, 10) is not None


async def test_without_load_every_text_asks_the_database() -> None:
    """On PostgreSQL (no load) another instance may hold the draft: each text is looked up."""
    repository = CountingDrafts()
    service = ValueDraftService(repository, now=lambda: NOW)
    repository.drafts[1, 10] = stored_draft(1, 10)
    assert await service.current(1, 10) is not None
    assert await service.current(2, 20) is None
    assert repository.lookups == 2
