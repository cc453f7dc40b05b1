"""Group commit: writes that queue for the write gate at the same time share one transaction.

The first caller leads: while it waits for the gate, callers arriving after it join its batch;
once it holds the gate it closes the batch and runs every request in one transaction. A burst
of N small writes then costs a few transactions instead of N one after another, each of which
held the gate across several round trips to the database's thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from contextlib import AbstractAsyncContextManager

    from sqlalchemy.ext.asyncio import AsyncSession

type BatchRunner[R, S] = Callable[[AsyncSession, Sequence[R]], Awaitable[list[S]]]
type AbandonedHandler[R, S] = Callable[[Sequence[tuple[R, S]]], Awaitable[None]]


class WriteSessions(Protocol):
    """Where write transactions come from, one at a time (SessionFactory)."""

    def writing(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session in a write transaction, committed on a clean exit."""
        ...


class _LeaderGone(Exception):
    """The batch's leader was cancelled or failed before its commit: nothing was written."""


@dataclass(slots=True, eq=False)
class _Entry[R, S]:
    request: R
    outcome: asyncio.Future[S]
    abandoned: bool = False


@dataclass(slots=True, eq=False)
class _Batch[R, S]:
    entries: list[_Entry[R, S]] = field(default_factory=list)


class GroupCommit[R, S]:
    """Runs requests in shared write transactions: `run` gets the session and the batch's
    requests in arrival order and returns one outcome per request.

    A caller cancelled before its batch is taken is dropped from it (nothing written for it);
    one cancelled while its batch runs is written anyway and handed to `abandoned` after the
    commit (to undo it), as a single write committed just before its caller's cancellation is.
    """

    def __init__(
        self,
        sessions: WriteSessions,
        run: BatchRunner[R, S],
        *,
        abandoned: AbandonedHandler[R, S] | None = None,
    ) -> None:
        self._sessions = sessions
        self._run = run
        self._abandoned = abandoned
        self._open: _Batch[R, S] | None = None

    async def submit(self, request: R) -> S:
        """The request's outcome, once the transaction that wrote it has committed."""
        while True:
            batch = self._open
            entry: _Entry[R, S] = _Entry(request, asyncio.get_running_loop().create_future())
            if batch is None:
                return await self._lead(entry)
            batch.entries.append(entry)
            try:
                return await asyncio.shield(entry.outcome)
            except _LeaderGone:
                continue  # nothing was written: try again, perhaps leading
            except asyncio.CancelledError:
                entry.abandoned = True
                if self._open is batch:
                    batch.entries.remove(entry)
                raise

    async def _lead(self, entry: _Entry[R, S]) -> S:
        batch: _Batch[R, S] = _Batch([entry])
        self._open = batch
        try:
            async with self._sessions.writing() as session:
                self._close(batch)
                outcomes = await self._run(session, [each.request for each in batch.entries])
        except BaseException:
            self._close(batch)
            for follower in batch.entries[1:]:
                if not follower.abandoned:
                    follower.outcome.set_exception(_LeaderGone())
                    follower.outcome.exception()  # retrieved: a follower cancelled meanwhile
            raise
        for each, outcome in zip(batch.entries, outcomes, strict=True):
            if not each.abandoned:
                each.outcome.set_result(outcome)
        left = [
            (each.request, outcome)
            for each, outcome in zip(batch.entries, outcomes, strict=True)
            if each.abandoned
        ]
        if left and self._abandoned is not None:
            await self._abandoned(left)
        return outcomes[0]

    def _close(self, batch: _Batch[R, S]) -> None:
        if self._open is batch:
            self._open = None
