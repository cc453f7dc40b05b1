"""The fair update processor: one sender's burst waits in its own line, never in everyone's."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from telegram import Update

from vinbot.update_processor import FairUpdateProcessor, sender_key


def message_update(
    update_id: int, user_id: int, *, sender_chat: int | None = None, group: int | None = None
) -> Update:
    """A text message update from one user: private, in a group, or sent as a chat."""
    chat_id = sender_chat if sender_chat is not None else (group or user_id)
    private = sender_chat is None and group is None
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": chat_id, "type": "private" if private else "supergroup"},
        "from": {"id": user_id, "is_bot": False, "first_name": "U"},
        "text": "hi",
    }
    if sender_chat is not None:
        message["sender_chat"] = {"id": sender_chat, "type": "supergroup", "title": "G"}
    return Update.de_json({"update_id": update_id, "message": message}, None)


class Probe:
    """Work that records how many run at once, per sender and overall, and waits to be let go."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.running: dict[int, int] = {}
        self.most_per_sender = 0
        self.most_overall = 0
        self.finished: list[int] = []

    async def work(self, sender: int, update_id: int) -> None:
        self.running[sender] = self.running.get(sender, 0) + 1
        self.most_per_sender = max(self.most_per_sender, self.running[sender])
        self.most_overall = max(self.most_overall, sum(self.running.values()))
        try:
            await self.release.wait()
        finally:
            self.running[sender] -= 1
            self.finished.append(update_id)


async def settle() -> None:
    """Let every runnable task take its next step."""
    for _ in range(10):
        await asyncio.sleep(0)


async def test_a_burst_from_one_sender_leaves_shared_slots_for_others() -> None:
    """Ten slow updates from one user take only their own two slots; another user starts at once."""
    processor = FairUpdateProcessor(total=4, per_sender=2)
    probe = Probe()
    tasks = [
        asyncio.create_task(processor.process_update(message_update(i, 1), probe.work(1, i)))
        for i in range(10)
    ]
    await settle()
    assert probe.running == {1: 2}
    other = asyncio.create_task(processor.process_update(message_update(99, 2), probe.work(2, 99)))
    await settle()
    assert probe.running == {1: 2, 2: 1}
    assert processor.current_concurrent_updates == 3
    assert processor.max_concurrent_updates == 4
    probe.release.set()
    await asyncio.gather(*tasks, other)
    assert probe.most_per_sender == 2
    assert probe.most_overall == 3
    assert processor.senders_in_flight == 0


async def test_the_shared_limit_holds_across_many_senders() -> None:
    """However many senders there are, no more than `total` updates run at once."""
    processor = FairUpdateProcessor(total=3, per_sender=2)
    probe = Probe()
    tasks = [
        asyncio.create_task(
            processor.process_update(message_update(i, i % 5), probe.work(i % 5, i))
        )
        for i in range(20)
    ]
    await settle()
    assert sum(probe.running.values()) == 3
    probe.release.set()
    await asyncio.gather(*tasks)
    assert probe.most_overall == 3
    assert sorted(probe.finished) == list(range(20))


async def test_a_senders_updates_start_in_the_order_they_came() -> None:
    """With one slot per sender, one person's updates are handled one after another, in order."""
    processor = FairUpdateProcessor(total=8, per_sender=1)
    order: list[int] = []

    async def record(update_id: int) -> None:
        order.append(update_id)
        await asyncio.sleep(0)

    await asyncio.gather(
        *(processor.process_update(message_update(i, 1), record(i)) for i in range(6))
    )
    assert order == list(range(6))


async def test_a_queued_update_cancelled_before_it_ran_leaves_no_unawaited_coroutine() -> None:
    """Cancelling an update still waiting in its sender's line closes its work cleanly."""
    processor = FairUpdateProcessor(total=1, per_sender=1)
    probe = Probe()
    first = asyncio.create_task(processor.process_update(message_update(1, 1), probe.work(1, 1)))
    queued = asyncio.create_task(processor.process_update(message_update(2, 1), probe.work(1, 2)))
    await settle()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
    probe.release.set()
    await first
    assert probe.finished == [1]
    assert processor.senders_in_flight == 0


async def test_a_busy_group_leaves_shared_slots_for_private_chats() -> None:
    """Many members of one group hold at most its own slots; a private chat starts at once."""
    processor = FairUpdateProcessor(total=6, per_sender=2, per_chat=3)
    probe = Probe()
    group = -1001
    tasks = [
        asyncio.create_task(
            processor.process_update(message_update(i, 10 + i % 5, group=group), probe.work(i, i))
        )
        for i in range(10)
    ]
    await settle()
    assert sum(probe.running.values()) == 3
    private = asyncio.create_task(
        processor.process_update(message_update(99, 2), probe.work(99, 99))
    )
    await settle()
    assert probe.running.get(99) == 1
    probe.release.set()
    await asyncio.gather(*tasks, private)
    assert probe.most_overall == 4


def test_anonymous_admins_are_told_apart_by_the_chat_they_post_as() -> None:
    """GroupAnonymousBot in two groups is two senders, keyed by sender_chat."""
    anonymous = 1087968824
    first = sender_key(message_update(1, anonymous, sender_chat=-1001))
    second = sender_key(message_update(2, anonymous, sender_chat=-1002))
    assert first == -1001
    assert second == -1002
    assert sender_key(message_update(3, 42)) == 42
    assert sender_key("not an update") is None


def test_limits_below_one_are_refused() -> None:
    """A processor that could never run anything is a configuration mistake."""
    with pytest.raises(ValueError, match="at least 1"):
        FairUpdateProcessor(total=0, per_sender=1)
