"""Concurrent update handling that one sender cannot monopolise.

PTB's own processor takes a slot from one shared pool for every update, so a single person who
sends a burst of slow requests fills every slot and everyone else waits behind them. Here each
sender's updates first queue for that sender's own few slots, and only then take one of the
shared ones: a burst waits in its own line, and the shared pool stays open for the others.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from vinbot.handlers.identity import requester_of

if TYPE_CHECKING:
    from collections.abc import Awaitable

# PTB's own semaphore only counts updates here; the real limits are the two below.
_UNLIMITED = 2**31 - 1


@dataclass(slots=True)
class _SenderLine:
    slots: asyncio.Semaphore
    waiting: int = field(default=0)


def sender_key(update: object) -> int | None:
    """Whose line an update waits in: its requester, else its chat (e.g. a member update)."""
    if not isinstance(update, Update):
        return None
    requester = requester_of(update)
    if requester is not None:
        return requester.key
    return update.effective_chat.id if update.effective_chat is not None else None


class FairUpdateProcessor(BaseUpdateProcessor):
    """At most `per_sender` updates of one sender and `total` updates overall run at once."""

    __slots__ = ("_lines", "_per_sender", "_running", "_shared")

    def __init__(self, total: int, per_sender: int) -> None:
        if total < 1 or per_sender < 1:
            raise ValueError("update concurrency limits must be at least 1")
        super().__init__(max_concurrent_updates=_UNLIMITED)
        # PTB's own semaphore (made above) never waits; report the real limit from now on.
        self._max_concurrent_updates = total
        self._running = 0
        self._shared = asyncio.Semaphore(total)
        self._per_sender = min(per_sender, total)
        self._lines: dict[int, _SenderLine] = {}

    @property
    def current_concurrent_updates(self) -> int:
        """How many updates are being handled now (not counting those waiting in line)."""
        return self._running

    @property
    def senders_in_flight(self) -> int:
        """How many senders have updates running or waiting now."""
        return len(self._lines)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait in the sender's own line, then for a shared slot, then handle the update."""
        key = sender_key(update)
        if key is None:
            async with self._shared:
                await self._run(coroutine)
            return
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = _SenderLine(asyncio.Semaphore(self._per_sender))
        line.waiting += 1
        started = False
        try:
            async with line.slots, self._shared:
                started = True
                await self._run(coroutine)
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while queued: never awaited, and never will be
            line.waiting -= 1
            if line.waiting == 0:
                del self._lines[key]

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
