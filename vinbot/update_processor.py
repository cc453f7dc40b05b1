"""Concurrent update handling that one sender cannot monopolise.

PTB's own processor takes a slot from one shared pool for every update, so a single person who
sends a burst of slow requests fills every slot and everyone else waits behind them. Here each
sender's updates first queue for that sender's own few slots, and only then take one of the
shared ones: a burst waits in its own line, and the shared pool stays open for the others.
"""

from __future__ import annotations

import asyncio
import inspect
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor

from vinbot.handlers.identity import requester_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable

# PTB's own semaphore only counts updates here; the real limits are the two below.
_UNLIMITED = 2**31 - 1


class _Lines:
    """A few slots per key (a sender, a chat), made when first needed and dropped when idle."""

    __slots__ = ("_per_key", "_slots", "_waiting")

    def __init__(self, per_key: int) -> None:
        self._per_key = per_key
        self._slots: dict[int, asyncio.Semaphore] = {}
        self._waiting: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._slots)

    @asynccontextmanager
    async def slot(self, key: int | None) -> AsyncIterator[None]:
        """Hold one of the key's slots (no limit for None) while the block runs."""
        if key is None:
            yield
            return
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots[key] = asyncio.Semaphore(self._per_key)
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with slots:
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._slots[key]


def chat_key(update: object) -> int | None:
    """The group or channel an update belongs to; None for private chats and inline queries."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return None
    chat = update.effective_chat
    return None if chat.type == ChatType.PRIVATE else chat.id


def sender_key(update: object) -> int | None:
    """Whose line an update waits in: its requester, else its chat (e.g. a member update)."""
    if not isinstance(update, Update):
        return None
    requester = requester_of(update)
    if requester is not None:
        return requester.key
    return update.effective_chat.id if update.effective_chat is not None else None


class FairUpdateProcessor(BaseUpdateProcessor):
    """At most `per_sender` updates of one sender, `per_chat` of one group and `total` overall
    run at once."""

    __slots__ = ("_chats", "_running", "_senders", "_shared")

    def __init__(self, total: int, per_sender: int, per_chat: int | None = None) -> None:
        per_chat = total if per_chat is None else per_chat
        if min(total, per_sender, per_chat) < 1:
            raise ValueError("update concurrency limits must be at least 1")
        super().__init__(max_concurrent_updates=_UNLIMITED)
        # PTB's own semaphore (made above) never waits; report the real limit from now on.
        self._max_concurrent_updates = total
        self._running = 0
        self._shared = asyncio.Semaphore(total)
        self._senders = _Lines(min(per_sender, total))
        # A busy group's replies queue behind Telegram's 20-a-minute group limit: its updates
        # must not hold every shared slot while they wait.
        self._chats = _Lines(min(per_chat, total))

    @property
    def current_concurrent_updates(self) -> int:
        """How many updates are being handled now (not counting those waiting in line)."""
        return self._running

    @property
    def senders_in_flight(self) -> int:
        """How many senders have updates running or waiting now."""
        return len(self._senders)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait in the sender's line, then the group's, then for a shared slot, then handle it."""
        started = False
        try:
            async with (
                self._senders.slot(sender_key(update)),
                self._chats.slot(chat_key(update)),
                self._shared,
            ):
                started = True
                await self._run(coroutine)
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while queued: never awaited, and never will be

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        self._running += 1
        try:
            await coroutine
        finally:
            self._running -= 1

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: PTB awaits the update tasks themselves."""
