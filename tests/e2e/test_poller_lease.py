"""Two polling instances on one database: one polls, the other stands by and takes over."""

from __future__ import annotations

import signal

import pytest

from tests.e2e.harness import World, in_chat

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
USER = 5001
LEASE = {"POLLER_LEASE_SECONDS": "3"}


async def test_a_second_poller_stands_by_then_takes_over_when_the_first_dies(
    world: World,
) -> None:
    """The second instance never calls getUpdates (no 409), says "standby" in /health, and
    answers once the first was killed and its lease expired."""
    first = await world.start_bot(**LEASE)
    await world.telegram.wait_polling()
    second = await world.start_bot(**LEASE)
    health = await second.get("/health")
    assert health.status_code == 200
    assert health.json()["mode"] == "standby"
    assert "mode" not in (await first.get("/health")).json()

    first.process.send_signal(signal.SIGKILL)
    await first.process.wait()
    world.telegram.send_text(USER, BMW)
    reply = await world.telegram.wait_for("sendMessage", in_chat(USER))
    assert "BMW" in reply.params["text"]
    assert "mode" not in (await second.get("/health")).json()
    assert [r for r in world.telegram.calls("getUpdates") if r.status == 409] == []
    assert '"poller_lease_taken"' in second.logs()
    assert await second.terminate() == 0


async def test_a_stopped_poller_hands_over_at_once(world: World) -> None:
    """SIGTERM releases the lease: the standby instance polls without waiting for its expiry."""
    first = await world.start_bot(POLLER_LEASE_SECONDS="600")
    await world.telegram.wait_polling()
    second = await world.start_bot(POLLER_LEASE_SECONDS="600")
    assert (await second.get("/health")).json()["mode"] == "standby"
    assert await first.terminate() == 0
    world.telegram.send_text(USER, BMW)
    reply = await world.telegram.wait_for("sendMessage", in_chat(USER))
    assert "BMW" in reply.params["text"]
    assert [r for r in world.telegram.calls("getUpdates") if r.status == 409] == []
