"""Two `python -m vinbot` instances in webhook mode on one PostgreSQL database and one Upstash."""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING

import pytest

from tests.e2e.cluster import WEBHOOK_URL

if TYPE_CHECKING:
    from tests.e2e.cluster import Cluster

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
HONDA = "1HGCM82633A004352"
VINS = (BMW, HONDA)
FIRST_USER = 7101
BURST = 8
SETTLE = 20.0


async def test_two_instances_started_together_migrate_once_and_both_serve(
    cluster: Cluster,
) -> None:
    """Both start at once on an empty database: one applies the migrations, neither crashes."""
    first, second = await cluster.start(2)
    assert len(cluster.events("database_migrated")) == 1
    for bot in (first, second):
        health = (await bot.get("/health")).json()
        assert (health["status"], health["mode"]) == ("ok", "webhook")
        assert "Traceback" not in bot.logs()
    assert {call.params["url"] for call in cluster.telegram.calls("setWebhook")} == {WEBHOOK_URL}
    assert cluster.telegram.calls("getUpdates") == []
    await cluster.stop()
    assert [bot.stopped_code for bot in (first, second)] == [0, 0]


async def test_a_burst_of_decodes_is_answered_exactly_once_across_both(cluster: Cluster) -> None:
    """Updates sent at once are taken in turn by both instances and each is answered once."""
    tg = cluster.telegram
    first, second = await cluster.start(2)
    users = {FIRST_USER + n: VINS[n % 2] for n in range(BURST)}
    for user, vin in users.items():
        tg.send_text(user, vin)
    deliveries = await cluster.deliver()
    assert [d.status for d in deliveries] == [200] * BURST
    assert not tg.pending_updates
    for user, vin in users.items():
        await tg.wait_for_message(user, lambda m, vin=vin: vin in m.get("text", ""), timeout=SETTLE)
    assert await cluster.webhook_updates_taken(first) == BURST // 2
    assert await cluster.webhook_updates_taken(second) == BURST // 2
    # A clean stop finishes whatever was still running: a second answer would be sent by then.
    await cluster.stop()
    for user, vin in users.items():
        assert sum(vin in text for text in cluster.texts_to(user)) == 1


async def test_kill_9_loses_no_acknowledged_update_and_the_other_keeps_answering(
    cluster: Cluster,
) -> None:
    """An instance killed mid-decode: the other answers what comes next, and the killed one's
    update (Telegram forgot it at the 200) is answered once when a replacement starts."""
    tg = cluster.telegram
    cluster.world.carsxe.slow_next(seconds=60)
    env = {"HTTP_TIMEOUT_SECONDS": "90", "DECODE_DEADLINE_SECONDS": "120"}
    doomed, survivor = await cluster.start(2, **env)
    stuck_user, next_user = FIRST_USER, FIRST_USER + 1

    stuck_id = tg.send_text(stuck_user, BMW)
    (delivery,) = await cluster.deliver()  # the first turn is the first instance's
    assert (delivery.update_id, delivery.status) == (stuck_id, 200)
    await tg.wait_until(lambda: cluster.world.carsxe.count("/specs") >= 1, 10, "a decode")
    assert not tg.pending_updates
    assert await cluster.kill(doomed) == -signal.SIGKILL
    assert await cluster.journal_ids() == {stuck_id}

    for _ in range(2):  # both turns now go to the survivor
        tg.send_text(next_user, HONDA)
        assert [d.status for d in await cluster.deliver()] == [200]
    await tg.wait_until(
        lambda: sum(HONDA in text for text in cluster.texts_to(next_user)) == 2,
        timeout=SETTLE,
        what="the survivor's answers",
    )
    assert await cluster.webhook_updates_taken(survivor) == 2
    assert not any(BMW in text for text in cluster.texts_to(stuck_user))

    # The survivor's own updates leave the journal once answered; only the killed one's stays.
    async with asyncio.timeout(SETTLE):
        while await cluster.journal_ids() != {stuck_id}:
            await asyncio.sleep(0.1)
    # The replacement keeps the default budget: its replay waits for the killed instance's
    # decode lock (in the shared cache) for at most half of that budget, then asks itself.
    (replacement,) = await cluster.start(1)
    await tg.wait_for_message(stuck_user, lambda m: BMW in m.get("text", ""), timeout=SETTLE)
    replayed = [(n, e["update_id"]) for n, e in cluster.events("update_replayed")]
    assert replayed == [(cluster.index(replacement), stuck_id)]
    await cluster.stop()
    assert sum(BMW in text for text in cluster.texts_to(stuck_user)) == 1
    assert sum(HONDA in text for text in cluster.texts_to(next_user)) == 2
    assert await cluster.journal_ids() == set()


async def test_an_instance_starting_beside_a_busy_one_leaves_its_updates_alone(
    cluster: Cluster,
) -> None:
    """A neighbour's update in flight is not replayed by an instance that starts meanwhile: it
    is answered once, by the instance that took it."""
    tg = cluster.telegram
    cluster.world.carsxe.slow_next(seconds=6)
    (busy,) = await cluster.start(1)
    user = FIRST_USER + 20
    stuck_id = tg.send_text(user, BMW)
    (delivery,) = await cluster.deliver()
    assert (delivery.update_id, delivery.status) == (stuck_id, 200)
    await tg.wait_until(lambda: cluster.world.carsxe.count("/specs") >= 1, 10, "a decode")
    assert await cluster.journal_ids() == {stuck_id}
    await cluster.start(1)  # a deploy adds a second machine while the first is busy
    await tg.wait_for_message(user, lambda m: BMW in m.get("text", ""), timeout=SETTLE)
    await cluster.stop()
    assert sum(BMW in text for text in cluster.texts_to(user)) == 1
    assert cluster.events("update_replayed") == []
    assert cluster.index(busy) == 0


async def test_a_dead_instances_update_is_answered_by_the_survivor_without_a_restart(
    cluster: Cluster,
) -> None:
    """Killed mid-decode and never restarted: once its journal lease ran out, the survivor
    adopts the update Telegram already forgot and answers it, once."""
    tg = cluster.telegram
    cluster.world.carsxe.slow_next(seconds=60)
    env = {"HTTP_TIMEOUT_SECONDS": "90", "DECODE_DEADLINE_SECONDS": "120"}
    doomed, survivor = await cluster.start(2, POLLER_LEASE_SECONDS="3", **env)
    user = FIRST_USER + 30
    stuck_id = tg.send_text(user, BMW)
    (delivery,) = await cluster.deliver()  # the first turn is the first instance's
    assert (delivery.update_id, delivery.status) == (stuck_id, 200)
    await tg.wait_until(lambda: cluster.world.carsxe.count("/specs") >= 1, 10, "a decode")
    assert await cluster.kill(doomed) == -signal.SIGKILL
    await tg.wait_for_message(user, lambda m: BMW in m.get("text", ""), timeout=SETTLE + 40)
    adopted = [(n, e["dead_instance"]) for n, e in cluster.events("journal_rows_adopted")]
    assert [n for n, _ in adopted] == [cluster.index(survivor)]
    replayed = [(n, e["update_id"]) for n, e in cluster.events("update_replayed")]
    assert replayed == [(cluster.index(survivor), stuck_id)]
    await cluster.stop()
    assert sum(BMW in text for text in cluster.texts_to(user)) == 1
    assert await cluster.journal_ids() == set()
