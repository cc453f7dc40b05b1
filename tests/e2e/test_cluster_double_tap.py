"""A double tap split between two instances in webhook mode does its work once."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from tests.e2e.harness import buttons, in_chat

if TYPE_CHECKING:
    from tests.e2e.cluster import Cluster

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
USER = 7501
SETTLE = 20.0
SLOW_RECALLS = 3.0


@pytest.mark.parametrize("claimed_in", ["upstash", "database"])
async def test_a_press_delivered_to_both_instances_sends_one_recall_report(
    cluster: Cluster, claimed_in: str
) -> None:
    """Recalls pressed twice, the second tap reaching the other instance while the first still
    waits for CarsXE: one CarsXE call, one report, both spinners stopped."""
    tg = cluster.telegram
    without_upstash = (
        {"UPSTASH_REDIS_REST_URL": "", "UPSTASH_REDIS_REST_TOKEN": ""}
        if claimed_in == "database"
        else {}
    )
    await cluster.start(2, **without_upstash)
    tg.send_text(USER, BMW)
    assert [d.status for d in await cluster.deliver()] == [200]
    answer = await tg.wait_for("sendMessage", in_chat(USER), timeout=SETTLE)
    recalls = next(b for b in buttons(answer) if "Recalls" in b["text"])
    sent_before = len(cluster.texts_to(USER))

    cluster.world.carsxe.slow_next(seconds=SLOW_RECALLS)
    tg.press_button(USER, answer, recalls["callback_data"])
    assert [d.status for d in await cluster.deliver()] == [200]  # the second instance's turn
    async with asyncio.timeout(SETTLE):  # the first tap now waits for CarsXE
        while cluster.world.carsxe.count("/v1/recalls") == 0:
            await asyncio.sleep(0.05)
    tg.press_button(USER, answer, recalls["callback_data"])
    assert [d.status for d in await cluster.deliver()] == [200]  # the first instance's turn
    await tg.wait_until(
        lambda: len(tg.calls("answerCallbackQuery")) == 2,  # both taps
        SETTLE,
        "both taps answered",
    )
    await cluster.stop()  # a clean stop finishes whatever was still running

    reports = [text for text in cluster.texts_to(USER)[sent_before:] if "recall" in text.lower()]
    assert len(reports) == 1
    assert cluster.world.carsxe.count("/v1/recalls") == 1
