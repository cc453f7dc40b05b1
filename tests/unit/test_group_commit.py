"""Group commit: writes queued for the write gate together share one transaction."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import pytest

from vinbot.storage.group_commit import GroupCommit

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence


class GatedSessions:
    """Write transactions handed out one at a time, each only once the test opens the gate."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()
        self.committed: list[list[str]] = []
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[Any]:
        async with self._lock:
            self.entered.set()
            await self.gate.wait()
            batch: list[str] = []
            yield batch
            self.committed.append(batch)


class Recorder:
    """A batch runner that writes each request into the session and echoes it back."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.abandoned: list[tuple[str, str]] = []
        self.running = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()

    async def run(self, session: list[str], requests: Sequence[str]) -> list[str]:
        self.batches.append(list(requests))
        self.running.set()
        await self.release.wait()
        session.extend(requests)
        return [f"ok {request}" for request in requests]

    async def undo(self, left: Sequence[tuple[str, str]]) -> None:
        self.abandoned.extend(left)


def _commit(sessions: GatedSessions, recorder: Recorder) -> GroupCommit[str, str]:
    return GroupCommit(sessions, recorder.run, abandoned=recorder.undo)  # type: ignore[arg-type]


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_requests_queued_while_the_leader_waits_share_its_transaction() -> None:
    """Five writes arriving while the first waits for the gate are committed together, in order."""
    sessions, recorder = GatedSessions(), Recorder()
    commit = _commit(sessions, recorder)
    tasks = [asyncio.create_task(commit.submit(name)) for name in "abcde"]
    await _settle()
    sessions.gate.set()
    assert await asyncio.gather(*tasks) == [f"ok {name}" for name in "abcde"]
    assert sessions.committed == [list("abcde")]


async def test_a_request_after_the_batch_was_taken_waits_for_the_next_one() -> None:
    """A write arriving while a batch runs goes into the next transaction, not the running one."""
    sessions, recorder = GatedSessions(), Recorder()
    recorder.release.clear()
    sessions.gate.set()
    commit = _commit(sessions, recorder)
    first = asyncio.create_task(commit.submit("a"))
    await recorder.running.wait()
    second = asyncio.create_task(commit.submit("b"))
    await _settle()
    recorder.release.set()
    assert await asyncio.gather(first, second) == ["ok a", "ok b"]
    assert sessions.committed == [["a"], ["b"]]


async def test_a_caller_cancelled_before_its_batch_runs_writes_nothing() -> None:
    """A follower cancelled while the batch still waits for the gate is left out of it."""
    sessions, recorder = GatedSessions(), Recorder()
    commit = _commit(sessions, recorder)
    leader = asyncio.create_task(commit.submit("a"))
    follower = asyncio.create_task(commit.submit("b"))
    await _settle()
    follower.cancel()
    await _settle()
    sessions.gate.set()
    assert await leader == "ok a"
    assert follower.cancelled()
    assert sessions.committed == [["a"]]
    assert recorder.abandoned == []


async def test_followers_of_a_leader_cancelled_at_the_gate_are_still_written() -> None:
    """When the leader is cancelled before its batch runs, the callers that joined it go on."""
    sessions, recorder = GatedSessions(), Recorder()
    commit = _commit(sessions, recorder)
    leader = asyncio.create_task(commit.submit("a"))
    followers = [asyncio.create_task(commit.submit(name)) for name in "bc"]
    await _settle()
    leader.cancel()
    await _settle()
    sessions.gate.set()
    assert await asyncio.gather(*followers) == ["ok b", "ok c"]
    assert leader.cancelled()
    assert [name for batch in sessions.committed for name in batch] == ["b", "c"]


async def test_a_caller_cancelled_while_its_batch_runs_is_handed_back_for_undoing() -> None:
    """A follower cancelled once its batch is being written is committed, then handed to
    `abandoned` so what was written for it can be undone."""
    sessions, recorder = GatedSessions(), Recorder()
    recorder.release.clear()
    commit = _commit(sessions, recorder)
    leader = asyncio.create_task(commit.submit("a"))
    follower = asyncio.create_task(commit.submit("b"))
    await _settle()
    sessions.gate.set()
    await recorder.running.wait()
    follower.cancel()
    await _settle()
    recorder.release.set()
    assert await leader == "ok a"
    assert follower.cancelled()
    assert recorder.abandoned == [("b", "ok b")]


async def test_a_failed_batch_fails_every_caller_in_it() -> None:
    """An error writing the batch reaches the leader and each follower (each tried again alone)."""
    sessions = GatedSessions()

    async def broken(_session: list[str], _requests: Sequence[str]) -> list[str]:
        raise RuntimeError("disk full")

    commit: GroupCommit[str, str] = GroupCommit(sessions, broken)  # type: ignore[arg-type]
    tasks = [asyncio.create_task(commit.submit(name)) for name in "abc"]
    await _settle()
    sessions.gate.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
    assert sessions.committed == []
    with pytest.raises(RuntimeError):
        await commit.submit("d")
