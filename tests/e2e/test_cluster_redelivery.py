"""Telegram delivering an update again to the other instance (our 200 was lost) decodes once,
with or without Upstash."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from tests.e2e.cluster import WEBHOOK_SECRET
from vinbot.webhook import SECRET_HEADER

if TYPE_CHECKING:
    from tests.e2e.cluster import Cluster

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
USER = 7601
SETTLE = 60.0


@pytest.mark.parametrize("upstash", [True, False], ids=["upstash", "database_only"])
async def test_an_update_redelivered_to_the_other_instance_is_answered_once(
    cluster: Cluster, upstash: bool
) -> None:
    """The first instance decodes a VIN; the same update POSTed to the second instance (as
    Telegram does when the first 200 never reached it) gets 200 there and no second answer,
    whether the instances share Upstash or only the PostgreSQL database."""
    tg = cluster.telegram
    _, second = await cluster.start(2, upstash=upstash)
    tg.send_text(USER, BMW)
    (update,) = tg.pending_updates
    assert [d.status for d in await cluster.deliver()] == [200]
    await tg.wait_for_message(USER, lambda m: BMW in m.get("text", ""), timeout=SETTLE)

    async with httpx.AsyncClient(timeout=SETTLE) as client:
        response = await client.post(
            second.health_url + "/telegram", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}
        )
    assert response.status_code == 200
    await cluster.stop()  # a clean stop finishes whatever the second instance was handling

    assert sum(BMW in text for text in cluster.texts_to(USER)) == 1
    assert [number for number, _ in cluster.events("webhook_update_taken_elsewhere")] == [
        cluster.index(second)
    ]
